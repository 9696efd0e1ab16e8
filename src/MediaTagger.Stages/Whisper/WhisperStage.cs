using System.Globalization;
using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using MediaTagger.Media;
using MediaTagger.Media.Audio;
using MediaTagger.Native;
using MediaTagger.Native.Whisper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaTagger.Stages.Whisper;

/// <summary>
/// Speech to text for audio and video with a whisper.cpp model. The audio is decoded by ffmpeg (16 kHz mono) as it
/// streams; with a vad result only the planned speech chunks are kept and transcribed, otherwise the whole file in
/// windows of maxChunkSeconds. Segment and token times are seconds from the start of the media. Every failure is an
/// outcome for its input; nothing but cancellation (which aborts the native run) leaves <see cref="RunAsync"/>.
/// </summary>
internal sealed class WhisperStage : IStage, IDisposable
{
    public const string StageName = Core.Transcripts.Transcript.StageName; // the subtitle writers read its result by this name

    /// <summary>The model file whose checksum is the stage's provenance.</summary>
    public const string ProvenanceRole = "model";

    /// <summary>The files the stage reads from its model, by role (what `models add` checks).</summary>
    public static readonly ModelRoles Roles = ModelRoles.Of(["model"]);

    /// <summary>How much audio ffmpeg hands over at a time while chunks are collected from a vad plan.</summary>
    private static readonly TimeSpan VadDecodeWindow = TimeSpan.FromSeconds(60);

    private static readonly IReadOnlySet<MediaKind> AudioAndVideo = new HashSet<MediaKind> { MediaKind.Audio, MediaKind.Video };

    private readonly WhisperModel whisper;
    private readonly WhisperStageOptions options;
    private readonly string? forcedLanguage;
    private readonly string? requestedLanguage;
    private readonly FfmpegAudioDecoder decoder;
    private readonly AudioDecodeOptions decode;
    private readonly ILogger logger;
    private readonly TimeProvider time;

    public WhisperStage(ModelEntry model, IReadOnlyDictionary<string, string> files, WhisperStageOptions options, StageContext context)
        : this(model.Id, files[ProvenanceRole], options, context.Loggers, context.Time)
    {
    }

    /// <summary>A stage over a model file outside the catalog (tests, benchmarks).</summary>
    internal WhisperStage(string modelId, string modelPath, WhisperStageOptions options, ILoggerFactory? loggers = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        WhisperStageOptions.Parameters.ThrowIfAny(WhisperStageOptions.Parameters.Problems(options), "options");
        loggers ??= NullLoggerFactory.Instance;
        this.options = options with { };
        this.time = time ?? TimeProvider.System;
        logger = loggers.CreateLogger<WhisperStage>();
        decoder = new FfmpegAudioDecoder(loggers.CreateLogger<FfmpegAudioDecoder>(), this.time);
        whisper = WhisperModel.Load(modelPath, new WhisperModelOptions(), loggers.CreateLogger<WhisperModel>());
        try
        {
            requestedLanguage = RequestedLanguage(this.options.Language);
            // An English-only model transcribes English whatever is asked.
            forcedLanguage = whisper.IsMultilingual ? requestedLanguage : "en";
            // The sidecar's provenance is a sha256 even for models the catalog verifies by sha1 (cached beside the file).
            Model = new StageModelInfo(modelId, ModelStore.Sha256Of(modelPath));
        }
        catch
        {
            whisper.Dispose();
            throw;
        }

        Parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["language"] = this.options.Language,
            ["translate"] = this.options.Translate ? "true" : "false",
            ["beamSize"] = this.options.BeamSize.ToString(CultureInfo.InvariantCulture),
            ["tokenTimestamps"] = this.options.TokenTimestamps ? "true" : "false",
            ["noSpeechThreshold"] = this.options.NoSpeechThreshold.ToString(CultureInfo.InvariantCulture),
            ["maxChunkSeconds"] = this.options.MaxChunkSeconds.ToString(CultureInfo.InvariantCulture),
            ["audioLanguage"] = this.options.AudioLanguage,
        };
        decode = new AudioDecodeOptions { Language = this.options.AudioLanguageFilter };
        if (!whisper.IsMultilingual && (this.options.Translate || (requestedLanguage is not null && requestedLanguage != forcedLanguage)))
        {
            WhisperStageLog.EnglishOnly(logger, modelId, this.options.Language, this.options.Translate);
        }

        WhisperStageLog.Ready(logger, modelId, whisper.Device, forcedLanguage ?? "auto", this.options.Translate, this.options.BeamSize);
    }

    public string Name => StageName;

    public IReadOnlySet<MediaKind> Kinds => AudioAndVideo;

    public StageModelInfo? Model { get; }

    /// <summary>What whisper.cpp reported using: "cpu", or its GPU device (e.g. "CUDA0") when built with one and present.</summary>
    public string Device => whisper.Device;

    public IReadOnlyDictionary<string, string> Parameters { get; }

    public async Task<IReadOnlyList<StageOutcome>> RunAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var outcomes = new List<StageOutcome>(batch.Count);
        foreach (var input in batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            outcomes.Add(await RunOneAsync(input, cancellationToken).ConfigureAwait(false));
        }

        return outcomes;
    }

    public void Dispose() => whisper.Dispose();

    /// <summary>null for "auto", else whisper's code for the language ("german" and "de" both give "de").</summary>
    private static string? RequestedLanguage(string language)
    {
        if (language.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var id = WhisperModel.LanguageId(language);
        return id >= 0
            ? WhisperModel.LanguageCode(id)
            : throw new ArgumentException($"Invalid whisper stage options: language: whisper does not know the language '{language}' (use \"auto\" or a code such as \"en\", \"de\").");
    }

    private async Task<StageOutcome> RunOneAsync(StageInput input, CancellationToken ct)
    {
        var transcript = new Transcript(input.Path, forcedLanguage);
        try
        {
            return await TranscribeAsync(input, transcript, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            WhisperStageLog.Cancelled(logger, input.Path, transcript.Chunks);
            throw;
        }
        catch (Exception ex) when (ex is MediaDecodeException or FormatException or NativeEngineException)
        {
            // Corrupt audio, a malformed vad result, or whisper.cpp refusing the input: retrying gives the same answer.
            var reason = ex switch
            {
                MediaDecodeException => "cannot decode the audio: " + ex.Message,
                FormatException => "the vad stage's result is unusable: " + ex.Message,
                _ => "whisper.cpp failed: " + ex.Message,
            };
            WhisperStageLog.InputFailed(logger, input.Path, reason);
            return StageOutcome.Fail(reason);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A stage never throws for one input: the file fails with the reason, the batch goes on.
            WhisperStageLog.Unexpected(logger, input.Path, ex);
            return StageOutcome.Fail("transcription failed unexpectedly: " + ex.Message);
        }
    }

    private async Task<StageOutcome> TranscribeAsync(StageInput input, Transcript transcript, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var probe = await decoder.FfprobeAsync(input.Path, ct).ConfigureAwait(false);
        if (probe.AudioStreams.Count == 0)
        {
            var reason = $"the file has no audio track (streams: {(probe.Streams.Count == 0 ? "none" : string.Join(", ", probe.Streams.Select(s => s.Type.ToString().ToLowerInvariant())))})";
            WhisperStageLog.InputFailed(logger, input.Path, reason);
            return StageOutcome.Fail(reason);
        }

        var mediaSeconds = probe.Duration?.TotalSeconds ?? probe.AudioStreams[0].Duration?.TotalSeconds;
        var speech = WhisperChunks.SpeechOf(input.EarlierResults);
        if (speech is null)
        {
            var windows = mediaSeconds is { } known ? (int)Math.Ceiling(known / options.MaxChunkSeconds) : 0;
            WhisperStageLog.Planned(logger, input.Path, windows, mediaSeconds ?? 0, "audio (no vad result: the whole file)");
            transcript.PlannedSeconds = mediaSeconds ?? 0;
            var windowLength = TimeSpan.FromSeconds(options.MaxChunkSeconds);
            await foreach (var window in decoder.StreamWindowsAsync(input.Path, windowLength, decode, ct).ConfigureAwait(false))
            {
                var chunk = new MediaSpan(window.StartSeconds, window.StartSeconds + (window.Samples.Length / (double)WhisperModel.SampleRate));
                TranscribeChunk(transcript, chunk, window.Samples, ct);
            }
        }
        else
        {
            var chunks = WhisperChunks.Plan(speech, options.MaxChunkSeconds, mediaSeconds);
            transcript.UsedVad = true;
            transcript.PlannedSeconds = chunks.Sum(c => c.Duration);
            if (chunks.Count == 0)
            {
                WhisperStageLog.NoSpeech(logger, input.Path);
            }
            else
            {
                WhisperStageLog.Planned(logger, input.Path, chunks.Count, transcript.PlannedSeconds, "speech (chunks of the vad result)");
                var collector = new ChunkAudioCollector(chunks, WhisperModel.SampleRate);
                var decoded = 0.0;
                await foreach (var window in decoder.StreamWindowsAsync(input.Path, VadDecodeWindow, decode, ct).ConfigureAwait(false))
                {
                    decoded = window.StartSeconds + (window.Samples.Length / (double)WhisperModel.SampleRate);
                    foreach (var (chunk, samples) in collector.Accept(window.StartSeconds, window.Samples))
                    {
                        TranscribeChunk(transcript, chunk, samples, ct);
                    }

                    if (collector.Finished)
                    {
                        break; // the rest of the file holds no speech: stop ffmpeg
                    }
                }

                foreach (var (chunk, samples) in collector.Finish(decoded))
                {
                    TranscribeChunk(transcript, chunk, samples, ct);
                }
            }
        }

        var elapsedMs = (long)time.GetElapsedTime(started).TotalMilliseconds;
        WhisperStageLog.Transcribed(logger, input.Path, transcript.Segments.Count, transcript.Language ?? "unknown", transcript.TranscribedSeconds, elapsedMs);
        var result = transcript.ToJson(options.Translate && whisper.IsMultilingual);
        result["ms"] = elapsedMs;
        result["device"] = whisper.Device;
        result["engine"] = "whisper.cpp " + WhisperModel.Version;
        result["durationSeconds"] = mediaSeconds is { } d ? Math.Round(d, 3) : null;
        return StageOutcome.Ok(result);
    }

    private void TranscribeChunk(Transcript transcript, MediaSpan chunk, float[] samples, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var request = new WhisperTranscribeOptions
        {
            Language = transcript.Language ?? "auto",
            Translate = options.Translate && whisper.IsMultilingual,
            Threads = options.Threads,
            BeamSize = options.BeamSize <= 1 ? 0 : options.BeamSize,
            TokenTimestamps = options.TokenTimestamps,
            NoSpeechThreshold = (float)options.NoSpeechThreshold,
        };
        var result = whisper.Transcribe(samples, request, null, ct);

        var kept = 0;
        var skipped = 0;
        foreach (var segment in result.Segments)
        {
            if (segment.NoSpeechProbability > options.NoSpeechThreshold)
            {
                skipped++;
                continue;
            }

            if (string.IsNullOrWhiteSpace(segment.Text))
            {
                continue;
            }

            transcript.Add(chunk, segment, options.TokenTimestamps);
            kept++;
        }

        // "auto" is decided once: by the first chunk in which whisper found speech, then held for the rest.
        if (transcript.Language is null && kept > 0 && result.Language is { } detected)
        {
            transcript.Language = detected;
            transcript.LanguageProbability = result.LanguageProbability;
            transcript.LanguageDetected = true;
            WhisperStageLog.LanguageDetected(logger, transcript.Path, detected, result.LanguageProbability ?? double.NaN, chunk);
        }

        transcript.Chunks++;
        transcript.TranscribedSeconds += chunk.Duration;
        var chunkMs = (long)time.GetElapsedTime(started).TotalMilliseconds;
        WhisperStageLog.ChunkDone(logger, transcript.Path, transcript.Chunks, chunk, kept, skipped, chunkMs);
        if (transcript.PlannedSeconds > 0)
        {
            var percent = (int)Math.Clamp(Math.Round(100 * transcript.TranscribedSeconds / transcript.PlannedSeconds), 0, 100);
            WhisperStageLog.Progress(logger, transcript.Path, percent, transcript.TranscribedSeconds, transcript.PlannedSeconds);
        }
    }

    /// <summary>What one file's transcription has gathered so far.</summary>
    private sealed class Transcript(string path, string? language)
    {
        public string Path { get; } = path;

        /// <summary>The forced language, the detected one once a chunk had speech, or null while undecided.</summary>
        public string? Language { get; set; } = language;

        public float? LanguageProbability { get; set; }

        public bool LanguageDetected { get; set; }

        public bool UsedVad { get; set; }

        public int Chunks { get; set; }

        public double PlannedSeconds { get; set; }

        public double TranscribedSeconds { get; set; }

        public List<JsonObject> Segments { get; } = [];

        private List<string> Texts { get; } = [];

        public void Add(MediaSpan chunk, WhisperSegment segment, bool tokens)
        {
            var json = new JsonObject
            {
                ["start"] = WhisperChunks.ToGlobal(chunk, segment.StartMs),
                ["end"] = WhisperChunks.ToGlobal(chunk, segment.EndMs),
                ["text"] = segment.Text.Trim(),
                ["noSpeechProb"] = Math.Round(segment.NoSpeechProbability, 4),
            };
            if (tokens)
            {
                json["tokens"] = new JsonArray(segment.Tokens.Select(t => (JsonNode)new JsonObject
                {
                    ["text"] = t.Text,
                    ["p"] = Math.Round(t.Probability, 4),
                    ["start"] = t.StartMs is { } s ? WhisperChunks.ToGlobal(chunk, s) : null,
                    ["end"] = t.EndMs is { } e ? WhisperChunks.ToGlobal(chunk, e) : null,
                }).ToArray());
            }

            Segments.Add(json);
            Texts.Add(segment.Text);
        }

        public JsonObject ToJson(bool translated) => new()
        {
            // Whisper's segment texts carry their own leading spaces (none in languages written without them).
            ["text"] = string.Concat(Texts).Trim(),
            ["language"] = Language,
            ["languageProbability"] = LanguageProbability is { } p ? Math.Round(p, 4) : null,
            ["languageDetected"] = LanguageDetected,
            ["translated"] = translated,
            ["vad"] = UsedVad,
            ["chunks"] = Chunks,
            ["transcribedSeconds"] = Math.Round(TranscribedSeconds, 3),
            ["segments"] = new JsonArray(Segments.Select(s => (JsonNode)s).ToArray()),
        };
    }
}
