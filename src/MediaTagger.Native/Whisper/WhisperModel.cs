using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaTagger.Native.Whisper;

/// <summary>
/// A whisper.cpp model (ggml .bin) loaded once and used for any number of transcriptions. Each call gets a
/// whisper_state of its own, freed when the call ends; calls on one model run one at a time (whisper.cpp does not
/// allow concurrent use of one context), so concurrent callers wait for each other.
/// </summary>
public sealed unsafe class WhisperModel : IDisposable
{
    /// <summary>Input audio: 16 kHz, mono, float samples in -1..1.</summary>
    public const int SampleRate = 16000;

    internal const string Engine = "whisper.cpp";

    private readonly SafeWhisperContextHandle context;

    // One decoding state (KV caches, compute buffers) for every call, as whisper.cpp's own CLI keeps: creating it per
    // call cost tens of milliseconds each, which a chunked transcription pays per chunk. Calls are serialised by
    // callGate, and whisper_full_with_state resets the state at the start of each run.
    private SafeWhisperStateHandle? sharedState;
    private readonly ILogger logger;
    private readonly Lock callGate = new();
    private readonly int endOfTextToken;

    private WhisperModel(SafeWhisperContextHandle context, string path, string device, bool hasWeights, ILogger logger)
    {
        this.context = context;
        HasWeights = hasWeights;
        this.logger = logger;
        Path = path;
        Device = device;
        IsMultilingual = WhisperNative.whisper_is_multilingual(context) != 0;
        ModelType = WhisperNative.FromUtf8(WhisperNative.whisper_model_type_readable(context)) ?? "unknown";
        VocabSize = WhisperNative.whisper_n_vocab(context);
        TextContextSize = WhisperNative.whisper_n_text_ctx(context);
        AudioContextSize = WhisperNative.whisper_n_audio_ctx(context);
        endOfTextToken = WhisperNative.whisper_token_eot(context);
    }

    /// <summary>The whisper.cpp release this binding mirrors (struct layouts differ between releases).</summary>
    public const string PinnedVersion = "1.9.1";

    /// <summary>whisper.cpp's version string (whisper_version), e.g. "1.9.1".</summary>
    public static string Version
    {
        get
        {
            WhisperNativeLog.EnsureInstalled();
            return WhisperNative.FromUtf8(WhisperNative.whisper_version()) ?? "unknown";
        }
    }

    /// <summary>whisper_print_system_info: the backends compiled in and the CPU features they use.</summary>
    public static string SystemInfo
    {
        get
        {
            WhisperNativeLog.EnsureInstalled();
            lock (SystemInfoGate)
            {
                // The native function reuses one static buffer.
                return (WhisperNative.FromUtf8(WhisperNative.whisper_print_system_info()) ?? "").Trim();
            }
        }
    }

    /// <summary>The largest whisper language id (ids run from 0 to this).</summary>
    public static int MaxLanguageId => WhisperNative.whisper_lang_max_id();

    /// <summary>The file the model was loaded from.</summary>
    public string Path { get; }

    /// <summary>
    /// Where the model runs: "cpu", or the name of the GPU device whisper.cpp reported using (e.g. "CUDA0"). Taken from
    /// what whisper.cpp logged while loading, so a GPU request that fell back to the CPU reads "cpu".
    /// </summary>
    public string Device { get; }

    /// <summary>
    /// False for a model file without tensors, such as whisper.cpp's for-tests-*.bin: whisper.cpp runs it, and it
    /// transcribes nothing. A warning is logged when such a model is loaded.
    /// </summary>
    public bool HasWeights { get; }

    /// <summary>False for English-only models (*.en).</summary>
    public bool IsMultilingual { get; }

    /// <summary>whisper_model_type_readable: "tiny", "base", "small", "medium", "large".</summary>
    public string ModelType { get; }

    public int VocabSize { get; }

    /// <summary>n_text_ctx: the decoder's context length in tokens.</summary>
    public int TextContextSize { get; }

    /// <summary>n_audio_ctx: the encoder's context length (1500 = 30 s).</summary>
    public int AudioContextSize { get; }

    private static int libraryLogged;

    private static Lock SystemInfoGate { get; } = new();

    /// <summary>Loads a whisper.cpp ggml model. A missing or unreadable file throws <see cref="NativeEngineException"/> naming it.</summary>
    public static WhisperModel Load(string path, WhisperModelOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new WhisperModelOptions();
        logger ??= NullLogger.Instance;
        WhisperNativeLog.UseDefaultLogger(logger);
        if (Interlocked.Exchange(ref libraryLogged, 1) == 0)
        {
            // Which build runs, and why (a CPU build beside a CUDA one says what kept the GPU out), once per process.
            var library = NativeLibraries.WhisperLibrary;
            WhisperLog.LibraryChosen(logger, library.Variant, library.Path, library.Problem ?? library.Reason);
        }

        if (Version != PinnedVersion)
        {
            // The mirrored whisper_full_params layout is only right for the pinned release.
            throw new NativeEngineException("whisper.cpp", $"version {Version} is loaded but {PinnedVersion} is pinned. {NativeLibraries.SetupHint}");
        }

        var fullPath = System.IO.Path.GetFullPath(path);
        var started = Stopwatch.GetTimestamp();
        if (WhisperModelFile.ProblemWithWhisperModel(fullPath) is { } problem)
        {
            var reason = $"could not load model '{fullPath}': {problem}";
            WhisperLog.ModelLoadFailed(logger, fullPath, reason);
            throw new NativeEngineException(Engine, reason);
        }

        using var capture = WhisperNativeLog.Begin(logger);
        using var contextParams = SafeWhisperContextParamsHandle.CreateDefault();
        ref var p = ref contextParams.Value;
        p.use_gpu = options.UseGpu ? (byte)1 : (byte)0;
        p.flash_attn = options.FlashAttention ? (byte)1 : (byte)0;
        p.gpu_device = options.GpuDevice;

        SafeWhisperContextHandle context;
        fixed (byte* pathUtf8 = WhisperNative.Utf8(fullPath))
        {
            context = new SafeWhisperContextHandle(WhisperNative.whisper_init_from_file_with_params_no_state(pathUtf8, p));
        }

        if (context.IsInvalid)
        {
            context.Dispose();
            var reason = capture.Describe($"could not load model '{fullPath}'");
            WhisperLog.ModelLoadFailed(logger, fullPath, reason);
            throw new NativeEngineException(Engine, reason);
        }

        var device = DeviceFromLoadLog(capture.Lines, out var why);
        if (options.UseGpu && device == "cpu")
        {
            WhisperLog.GpuNotUsed(logger, options.GpuDevice, fullPath, why);
        }

        // whisper.cpp accepts a model file without tensors (its own test models) and then transcribes nothing.
        var hasWeights = !capture.Lines.Any(l => l.Contains("no tensors loaded from model file", StringComparison.Ordinal));
        if (!hasWeights)
        {
            WhisperLog.ModelHasNoWeights(logger, fullPath);
        }

        var model = new WhisperModel(context, fullPath, device, hasWeights, logger);
        try
        {
            // The decoding state is part of loading, as in whisper.cpp's CLI: its buffers are sized now, and a model
            // that cannot get them fails here rather than on the first file.
            lock (model.callGate)
            {
                model.SharedState(capture);
            }
        }
        catch
        {
            model.Dispose();
            throw;
        }

        var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var version = Version;
        WhisperLog.ModelLoaded(logger, version, fullPath, model.ModelType, model.IsMultilingual ? "multilingual" : "English-only",
            model.VocabSize, device, elapsedMs);
        return model;
    }

    /// <summary>The language code of a whisper language id (0 = "en"), or null for an unknown id.</summary>
    public static string? LanguageCode(int id)
    {
        if (id < 0 || id > MaxLanguageId)
        {
            return null;
        }

        return WhisperNative.FromUtf8(WhisperNative.whisper_lang_str(id));
    }

    /// <summary>The whisper language id of a code or English name ("de" or "german"), or -1 if whisper has no such language.</summary>
    public static int LanguageId(string language)
    {
        ArgumentNullException.ThrowIfNull(language);
        WhisperNativeLog.EnsureInstalled();
        using var quiet = WhisperNativeLog.Begin(NullLogger.Instance); // "unknown language" is an answer here, not an error
        fixed (byte* lang = WhisperNative.Utf8(language.Trim().ToLowerInvariant()))
        {
            return WhisperNative.whisper_lang_id(lang);
        }
    }

    /// <summary>
    /// Transcribes 16 kHz mono audio. <paramref name="progress"/> receives 0–100; cancelling
    /// <paramref name="cancellationToken"/> aborts the native computation and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public WhisperResult Transcribe(ReadOnlySpan<float> pcm16kMono, WhisperTranscribeOptions? options = null, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new WhisperTranscribeOptions();
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();

        var totalMs = (long)pcm16kMono.Length * 1000 / SampleRate;
        if (options.OffsetMs > 0 && options.OffsetMs >= totalMs)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"OffsetMs {options.OffsetMs} is past the end of the audio ({totalMs} ms)");
        }

        lock (callGate)
        {
            ObjectDisposedException.ThrowIf(context.IsClosed, this);
            return TranscribeLocked(pcm16kMono, options, progress, cancellationToken);
        }
    }

    /// <summary>
    /// Detects the spoken language from the first 30 s after <paramref name="offsetMs"/>. An English-only model cannot
    /// tell languages apart: it answers "en" with <see cref="WhisperLanguageDetection.Detected"/> false.
    /// </summary>
    public WhisperLanguageDetection DetectLanguage(ReadOnlySpan<float> pcm16kMono, int offsetMs = 0, int threads = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offsetMs);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        cancellationToken.ThrowIfCancellationRequested();
        if (pcm16kMono.IsEmpty)
        {
            throw new ArgumentException("No audio to detect a language in", nameof(pcm16kMono));
        }

        if (!IsMultilingual)
        {
            return new WhisperLanguageDetection { Language = "en", Probability = null, Detected = false };
        }

        lock (callGate)
        {
            ObjectDisposedException.ThrowIf(context.IsClosed, this);
            using var capture = WhisperNativeLog.Begin(logger);
            var state = SharedState(capture);
            var detection = DetectLanguageScores(state, pcm16kMono, offsetMs, ThreadCount(threads), capture);
            cancellationToken.ThrowIfCancellationRequested();
            return detection;
        }
    }

    public void Dispose()
    {
        lock (callGate)
        {
            sharedState?.Dispose();
            sharedState = null;
        }

        if (!context.IsClosed)
        {
            // A state still in use holds a reference: the context is freed when that call ends.
            context.Dispose();
            WhisperLog.ModelReleased(logger, Path);
        }
    }

    /// <summary>The decoding state, created on first use; callers hold callGate.</summary>
    private SafeWhisperStateHandle SharedState(WhisperNativeLog.Capture capture) =>
        sharedState ??= SafeWhisperStateHandle.Create(context, capture);

    /// <summary>Runs whisper.cpp's language detector on the audio, whatever the model (tests use it on English-only models).</summary>
    internal WhisperLanguageDetection DetectLanguageScores(ReadOnlySpan<float> pcm, int offsetMs, int threads)
    {
        lock (callGate)
        {
            ObjectDisposedException.ThrowIf(context.IsClosed, this);
            using var capture = WhisperNativeLog.Begin(logger);
            var state = SharedState(capture);
            return DetectLanguageScores(state, pcm, offsetMs, ThreadCount(threads), capture);
        }
    }

    private static int ThreadCount(int requested) => requested > 0 ? requested : Math.Min(4, Environment.ProcessorCount);

    private static string DeviceFromLoadLog(IReadOnlyList<string> lines, out string why)
    {
        // whisper_backend_init_gpu logs "using <device> backend" when it picks a GPU, "no GPU found" otherwise,
        // and "failed to initialize <device> backend" when the chosen one does not start.
        const string Using = "whisper_backend_init_gpu: using ";
        string? device = null;
        why = "whisper.cpp found no GPU device (backends in this build: " + SystemInfo + ")";
        foreach (var line in lines)
        {
            var at = line.IndexOf(Using, StringComparison.Ordinal);
            if (at >= 0)
            {
                var name = line[(at + Using.Length)..];
                device = name.EndsWith(" backend", StringComparison.Ordinal) ? name[..^" backend".Length] : name;
            }
            else if (line.Contains("whisper_backend_init_gpu: failed to initialize", StringComparison.Ordinal))
            {
                why = line;
                device = null;
            }
        }

        return device ?? "cpu";
    }

    private WhisperLanguageDetection DetectLanguageScores(SafeWhisperStateHandle state, ReadOnlySpan<float> pcm, int offsetMs, int threads, WhisperNativeLog.Capture capture)
    {
        if (pcm.IsEmpty)
        {
            throw new ArgumentException("No audio to detect a language in", nameof(pcm));
        }

        int rc;
        fixed (float* samples = pcm)
        {
            rc = WhisperNative.whisper_pcm_to_mel_with_state(context, state, samples, pcm.Length, threads);
        }

        if (rc != 0)
        {
            throw new NativeEngineException(Engine, capture.Describe($"whisper_pcm_to_mel_with_state failed ({rc})"));
        }

        var probabilities = new float[MaxLanguageId + 1];
        int top;
        fixed (float* probs = probabilities)
        {
            top = WhisperNative.whisper_lang_auto_detect_with_state(context, state, offsetMs, threads, probs);
        }

        if (top < 0)
        {
            throw new NativeEngineException(Engine, capture.Describe($"language detection failed ({top})"));
        }

        var language = LanguageCode(top) ?? throw new NativeEngineException(Engine, $"language detection returned unknown id {top}");

        // whisper's pick first (it breaks ties its own way), then the runners-up.
        var candidates = probabilities
            .Select((p, id) => (Id: id, Probability: p))
            .Where(c => c.Id != top)
            .OrderByDescending(c => c.Probability)
            .Take(4)
            .Select(c => new WhisperLanguageScore(LanguageCode(c.Id) ?? c.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), c.Probability))
            .Prepend(new WhisperLanguageScore(language, probabilities[top]))
            .ToArray();
        WhisperLog.LanguageDetected(logger, language, probabilities[top]);
        return new WhisperLanguageDetection { Language = language, Probability = probabilities[top], Detected = true, Candidates = candidates };
    }

    private WhisperResult TranscribeLocked(ReadOnlySpan<float> pcm, WhisperTranscribeOptions options, IProgress<int>? progress, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var threads = ThreadCount(options.Threads);
        var requested = options.Language.Trim().ToLowerInvariant();
        var auto = requested == "auto";
        var translate = options.Translate;

        string? language = null;
        if (!IsMultilingual)
        {
            if ((!auto && requested != "en") || translate)
            {
                WhisperLog.EnglishOnlyModel(logger, options.Language, translate);
            }

            language = "en";
            translate = false;
        }
        else if (!auto)
        {
            var id = LanguageId(requested);
            language = id >= 0 ? LanguageCode(id) : throw new ArgumentException($"whisper does not know the language \"{options.Language}\" (use \"auto\" or a code such as \"en\", \"de\")", nameof(options));
        }

        WhisperLog.TranscriptionStarted(logger, pcm.Length / (double)SampleRate, language ?? "auto", threads, options.BeamSize, options.UseVad);
        if (pcm.IsEmpty)
        {
            progress?.Report(100);
            return new WhisperResult { Language = language };
        }

        using var capture = WhisperNativeLog.Begin(logger);

        // VAD works on the requested window of the original audio; whisper then sees only the speech.
        WhisperVad.SpeechAudio? speech = null;
        var sliceOffsetMs = 0L;
        var input = pcm;
        if (options.UseVad)
        {
            var first = (int)Math.Min(pcm.Length, (long)options.OffsetMs * SampleRate / 1000);
            var length = options.DurationMs > 0 ? (int)Math.Min(pcm.Length - first, (long)options.DurationMs * SampleRate / 1000) : pcm.Length - first;
            speech = WhisperVad.Filter(pcm.Slice(first, length), options.VadModelPath!, options.VadParams ?? new WhisperVadParams(), capture);
            sliceOffsetMs = (long)first * 1000 / SampleRate;
            ct.ThrowIfCancellationRequested();
            if (speech.Samples.Length == 0)
            {
                WhisperLog.VadFoundNoSpeech(logger, length / (double)SampleRate);
                progress?.Report(100);
                return new WhisperResult { Language = language };
            }

            WhisperLog.VadApplied(logger, speech.Samples.Length / (double)SampleRate, speech.SegmentCount, length / (double)SampleRate);
            input = speech.Samples;
        }

        var state = SharedState(capture);

        float? languageProbability = null;
        if (language is null)
        {
            var detected = DetectLanguageScores(state, input, speech is null ? options.OffsetMs : 0, threads, capture);
            language = detected.Language;
            languageProbability = detected.Probability;
            ct.ThrowIfCancellationRequested();
        }

        if (options.DetectLanguageOnly)
        {
            progress?.Report(100);
            return new WhisperResult { Language = language, LanguageProbability = languageProbability };
        }

        var callState = new CallbackState(progress, ct);
        var callHandle = GCHandle.Alloc(callState);
        try
        {
            using var fullParams = SafeWhisperFullParamsHandle.CreateDefault(options.BeamSize > 0 ? WhisperNative.SamplingBeamSearch : WhisperNative.SamplingGreedy);
            ref var p = ref fullParams.Value;
            p.n_threads = threads;
            p.offset_ms = speech is null ? options.OffsetMs : 0;
            p.duration_ms = speech is null ? options.DurationMs : 0;
            p.translate = translate ? (byte)1 : (byte)0;
            p.print_progress = 0;
            p.print_realtime = 0;
            p.print_timestamps = 0;
            p.print_special = 0;
            p.token_timestamps = options.TokenTimestamps || options.MaxLen > 0 ? (byte)1 : (byte)0;
            p.max_len = options.MaxLen;
            p.split_on_word = options.SplitOnWord ? (byte)1 : (byte)0;
            p.temperature = options.Temperature;
            p.no_speech_thold = options.NoSpeechThreshold;
            p.detect_language = 0;
            if (options.BeamSize > 0)
            {
                p.beam_search.beam_size = options.BeamSize;
            }

            // whisper_full_with_state ignores these (see WhisperVad); keep them off so nothing is done twice.
            p.vad = 0;
            p.vad_model_path = 0;

            p.progress_callback = (nint)(delegate* unmanaged[Cdecl]<nint, nint, int, nint, void>)&OnProgress;
            p.progress_callback_user_data = GCHandle.ToIntPtr(callHandle);
            p.abort_callback = (nint)(delegate* unmanaged[Cdecl]<nint, byte>)&OnAbort;
            p.abort_callback_user_data = GCHandle.ToIntPtr(callHandle);

            int rc;
            fixed (byte* lang = WhisperNative.Utf8(language))
            fixed (byte* prompt = options.InitialPrompt is { Length: > 0 } text ? WhisperNative.Utf8(text) : null)
            fixed (float* samples = input)
            {
                p.language = (nint)lang;
                p.initial_prompt = (nint)prompt;
                rc = WhisperNative.whisper_full_with_state(context, state, p, samples, input.Length);
                p.language = 0;
                p.initial_prompt = 0;
            }

            if (callState.CallbackError is { } callbackError)
            {
                throw new InvalidOperationException("The progress handler threw; transcription was aborted", callbackError);
            }

            if (rc != 0)
            {
                if (ct.IsCancellationRequested)
                {
                    var cancelledAfterMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    WhisperLog.TranscriptionCancelled(logger, cancelledAfterMs);
                    throw new OperationCanceledException("Transcription was cancelled", ct);
                }

                var reason = capture.Describe($"whisper_full_with_state failed ({rc})");
                WhisperLog.TranscriptionFailed(logger, rc, reason);
                throw new NativeEngineException(Engine, reason);
            }

            var segments = ReadSegments(state, speech, sliceOffsetMs, p.token_timestamps != 0);
            if (callState.LastProgress < 100)
            {
                progress?.Report(100);
            }

            var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            WhisperLog.TranscriptionFinished(logger, pcm.Length / (double)SampleRate, segments.Length, language, elapsedMs);
            return new WhisperResult { Language = language, LanguageProbability = languageProbability, Segments = segments };
        }
        finally
        {
            callHandle.Free();
        }
    }

    private WhisperSegment[] ReadSegments(SafeWhisperStateHandle state, WhisperVad.SpeechAudio? speech, long sliceOffsetMs, bool tokenTimes)
    {
        long ToMs(long centiseconds)
        {
            var ms = centiseconds * 10;
            return speech is null ? ms : sliceOffsetMs + speech.ToOriginalMs(ms);
        }

        var n = WhisperNative.whisper_full_n_segments_from_state(state);
        var segments = new WhisperSegment[n];
        for (var i = 0; i < n; i++)
        {
            var nTokens = WhisperNative.whisper_full_n_tokens_from_state(state, i);
            var tokens = new List<WhisperToken>(nTokens);
            for (var j = 0; j < nTokens; j++)
            {
                var data = WhisperNative.whisper_full_get_token_data_from_state(state, i, j);
                if (data.id >= endOfTextToken)
                {
                    continue; // timestamps, [_BEG_], [_EOT_] and other control tokens carry no text
                }

                tokens.Add(new WhisperToken
                {
                    Id = data.id,
                    Text = WhisperNative.FromUtf8(WhisperNative.whisper_full_get_token_text_from_state(context, state, i, j)) ?? "",
                    Probability = data.p,
                    StartMs = tokenTimes ? ToMs(data.t0) : null,
                    EndMs = tokenTimes ? ToMs(data.t1) : null,
                });
            }

            segments[i] = new WhisperSegment
            {
                StartMs = ToMs(WhisperNative.whisper_full_get_segment_t0_from_state(state, i)),
                EndMs = ToMs(WhisperNative.whisper_full_get_segment_t1_from_state(state, i)),
                Text = WhisperNative.FromUtf8(WhisperNative.whisper_full_get_segment_text_from_state(state, i)) ?? "",
                NoSpeechProbability = WhisperNative.whisper_full_get_segment_no_speech_prob_from_state(state, i),
                Tokens = tokens,
            };
        }

        return segments;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnProgress(nint ctx, nint state, int percent, nint userData)
    {
        if (GCHandle.FromIntPtr(userData).Target is not CallbackState call)
        {
            return;
        }

        try
        {
            var clamped = Math.Clamp(percent, 0, 100);
            if (clamped > call.LastProgress)
            {
                call.LastProgress = clamped;
                call.Progress?.Report(clamped);
            }
        }
        catch (Exception ex)
        {
            // Never let an exception unwind into native code; abort instead and rethrow after whisper returns.
            call.CallbackError ??= ex;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static byte OnAbort(nint userData)
    {
        // May run on ggml's worker threads: reads only thread-safe state.
        return GCHandle.FromIntPtr(userData).Target is CallbackState call
               && (call.Token.IsCancellationRequested || call.CallbackError is not null)
            ? (byte)1
            : (byte)0;
    }

    /// <summary>What the native callbacks of one call need; reached through a GCHandle in user_data.</summary>
    private sealed class CallbackState(IProgress<int>? progress, CancellationToken token)
    {
        public IProgress<int>? Progress { get; } = progress;

        public CancellationToken Token { get; } = token;

        public int LastProgress { get; set; } = -1;

        public Exception? CallbackError { get; set; }
    }
}
