using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using MediaTagger.Media;
using MediaTagger.Media.Audio;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaTagger.Stages.Vad;

/// <summary>
/// Speech segments of audio and video (Silero VAD v5): the first audio stream is decoded by ffmpeg to 16 kHz mono
/// and streamed in windows, so a long file never needs its whole PCM in memory; each 512 samples get a speech
/// probability, and <see cref="SpeechSegmenter"/> turns them into segments. The segments bound the work of the
/// stages after it (Whisper). Every failure is an outcome for its input; nothing but cancellation leaves
/// <see cref="RunAsync"/> as an exception.
/// </summary>
internal sealed class VadStage : IStage, IDisposable
{
    public const string StageName = "vad";

    /// <summary>The model file whose checksum is the stage's provenance: the Silero network.</summary>
    public const string ProvenanceRole = "model";

    /// <summary>The files the stage reads from its model, by role (what `models add` checks).</summary>
    public static readonly ModelRoles Roles = ModelRoles.Of(["model"]);

    // 64 model windows per read from ffmpeg: a pipe read per 2 s of audio, 128 KiB of PCM held at a time.
    private static readonly TimeSpan DecodeWindow = TimeSpan.FromSeconds(64.0 * SileroVad.WindowSamples / SileroVad.SampleRate);

    private static readonly IReadOnlySet<MediaKind> AudioAndVideo = new HashSet<MediaKind> { MediaKind.Audio, MediaKind.Video };

    private readonly SileroVad vad;

    // The model carries one stream's state: batches sent at the same time take turns.
    private readonly SemaphoreSlim turn = new(1, 1);
    private readonly VadStageOptions options;
    private readonly FfmpegAudioDecoder decoder;
    private readonly ILogger logger;
    private readonly TimeProvider timeProvider;

    public VadStage(ModelEntry model, IReadOnlyDictionary<string, string> files, VadStageOptions options,
        ILogger<VadStage>? logger = null, TimeProvider? timeProvider = null, FfmpegAudioDecoder? decoder = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(options);
        // A copy, so later changes to the caller's options cannot make results disagree with Parameters.
        this.options = options with { };
        VadStageOptions.Parameters.ThrowIfAny(VadStageOptions.Parameters.Problems(this.options), "options");
        // Settings the segmenter refuses fail the stage's creation, not its first file.
        _ = new SpeechSegmenter(this.options.Segmenter());
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.decoder = decoder ?? new FfmpegAudioDecoder(timeProvider: this.timeProvider);
        Model = new StageModelInfo(model.Id, model.File(ProvenanceRole).Checksum);
        Parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["threshold"] = Invariant(this.options.Threshold),
            ["negThreshold"] = Invariant(this.options.EffectiveNegThreshold),
            ["minSpeechMs"] = Invariant(this.options.MinSpeechMs),
            ["minSilenceMs"] = Invariant(this.options.MinSilenceMs),
            ["speechPadMs"] = Invariant(this.options.SpeechPadMs),
            ["maxSpeechSeconds"] = Invariant(this.options.MaxSpeechSeconds),
            ["audioLanguage"] = this.options.AudioLanguage,
        };
        vad = new SileroVad(files[ProvenanceRole]);
    }

    public string Name => StageName;

    public IReadOnlySet<MediaKind> Kinds => AudioAndVideo;

    public StageModelInfo? Model { get; }

    public string Device => vad.Device;

    public IReadOnlyDictionary<string, string> Parameters { get; }

    public async Task<IReadOnlyList<StageOutcome>> RunAsync(IReadOnlyList<StageInput> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        // One file at a time: the model follows one audio stream with its recurrent state.
        await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var outcomes = new StageOutcome[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                outcomes[i] = await DetectAsync(batch[i], cancellationToken).ConfigureAwait(false);
            }

            return outcomes;
        }
        finally
        {
            turn.Release();
        }
    }

    public void Dispose()
    {
        vad.Dispose();
        turn.Dispose();
    }

    private async Task<StageOutcome> DetectAsync(StageInput input, CancellationToken ct)
    {
        StageOutcome outcome;
        try
        {
            outcome = await DetectFileAsync(input, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (MediaDecodeException ex)
        {
            // A timeout may be load on the machine, a missing ffmpeg an installation in progress: both may pass.
            var mayPass = ex.InnerException is TimeoutException or Win32Exception;
            outcome = !File.Exists(input.Path)
                ? StageOutcome.Fail("file was deleted before its audio could be read")
                : StageOutcome.Fail($"cannot decode the audio: {ex.Message}", mayPass);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            outcome = StageOutcome.Fail($"cannot read the audio: {ex.Message}", ex is IOException);
        }
        catch (Exception ex)
        {
            // A bug or an unforeseen native failure must still end as this input's outcome, not the batch's.
            VadLog.Unexpected(logger, input.Path, ex);
            outcome = StageOutcome.Fail($"speech detection failed unexpectedly: {ex.GetType().Name}: {ex.Message}");
        }

        if (!outcome.Success)
        {
            VadLog.InputFailed(logger, input.Path, outcome.Transient, outcome.Error!);
        }

        return outcome;
    }

    private async Task<StageOutcome> DetectFileAsync(StageInput input, CancellationToken ct)
    {
        if (await NoAudioStreamAsync(input, ct).ConfigureAwait(false) is { } reason)
        {
            return StageOutcome.Fail(reason);
        }

        var started = timeProvider.GetTimestamp();
        var segmenter = new SpeechSegmenter(options.Segmenter());
        vad.Reset();
        var pending = new float[SileroVad.WindowSamples];
        var filled = 0;
        long total = 0;
        var decode = new AudioDecodeOptions { SampleRate = SileroVad.SampleRate, Channels = 1, Timeout = options.DecodeTimeout, Language = options.AudioLanguageFilter };
        await foreach (var window in decoder.StreamWindowsAsync(input.Path, DecodeWindow, decode, ct).ConfigureAwait(false))
        {
            var samples = window.Samples.AsSpan();
            total += samples.Length;
            while (samples.Length > 0)
            {
                var n = Math.Min(pending.Length - filled, samples.Length);
                samples[..n].CopyTo(pending.AsSpan(filled));
                filled += n;
                samples = samples[n..];
                if (filled == pending.Length)
                {
                    segmenter.Push(vad.Next(pending, ct));
                    filled = 0;
                }
            }
        }

        if (total == 0)
        {
            return StageOutcome.Fail("the audio stream holds no samples (zero-length audio): there is nothing to detect speech in");
        }

        if (filled > 0)
        {
            // The reference pads the last, short window with silence.
            segmenter.Push(vad.Next(pending.AsSpan(0, filled), ct));
        }

        var segments = segmenter.Finish(total);
        var rate = (double)SileroVad.SampleRate;
        var speechSamples = segments.Sum(s => s.Length);
        var duration = total / rate;
        var result = new JsonObject
        {
            ["segments"] = new JsonArray(segments.Select(s => (JsonNode)new JsonObject
            {
                ["start"] = Math.Round(s.Start / rate, 3),
                ["end"] = Math.Round(s.End / rate, 3),
            }).ToArray()),
            ["speechSeconds"] = Math.Round(speechSamples / rate, 3),
            ["durationSeconds"] = Math.Round(duration, 3),
            ["speechRatio"] = Math.Round(speechSamples / (double)total, 4),
        };
        var elapsedMs = (long)timeProvider.GetElapsedTime(started).TotalMilliseconds;
        VadLog.Detected(logger, input.Path, segments.Count, speechSamples / rate, duration, elapsedMs);
        return StageOutcome.Ok(result);
    }

    /// <summary>Why the file has no audio to listen to, from the probe stage's streams (or ffprobe's without them); null when it has.</summary>
    private async Task<string?> NoAudioStreamAsync(StageInput input, CancellationToken ct)
    {
        string[] types;
        if (input.EarlierResults.TryGetValue("probe", out var probe) && probe["streams"] is JsonArray streams)
        {
            types = streams.Select(s => (string?)s?["type"] ?? "unknown").ToArray();
        }
        else
        {
            var probed = await decoder.FfprobeAsync(input.Path, options.DecodeTimeout, ct).ConfigureAwait(false);
            types = probed.Streams.Select(s => s.Type.ToString().ToLowerInvariant()).ToArray();
        }

        return types.Contains("audio")
            ? null
            : $"the file has no audio track, so there is no speech to detect ({(types.Length == 0 ? "no streams at all" : "streams: " + string.Join(", ", types))})";
    }

    private static string Invariant<T>(T value)
        where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
