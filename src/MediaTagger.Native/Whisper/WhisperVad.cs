namespace MediaTagger.Native.Whisper;

/// <summary>
/// whisper.cpp's VAD, applied here rather than through whisper_full_params.vad: whisper.cpp honours that flag only in
/// whisper_full (the context's default state), not in whisper_full_with_state, which this binding uses so that every
/// call has a state of its own. The speech is cut out, joined with short silences, and times are mapped back.
/// </summary>
internal static unsafe class WhisperVad
{
    private const int SampleRate = WhisperModel.SampleRate;

    /// <summary>Silence put between two speech pieces, so the decoder hears a pause (whisper.cpp does the same).</summary>
    private const int GapSamples = SampleRate / 10;

    /// <summary>Runs the VAD model over <paramref name="pcm"/> and returns only the speech.</summary>
    public static SpeechAudio Filter(ReadOnlySpan<float> pcm, string modelPath, WhisperVadParams settings, WhisperNativeLog.Capture capture)
    {
        if (pcm.IsEmpty)
        {
            throw new ArgumentException("No audio for VAD", nameof(pcm));
        }

        if (WhisperModelFile.ProblemWithVadModel(modelPath) is { } problem)
        {
            throw new NativeEngineException(WhisperModel.Engine, $"could not load VAD model '{modelPath}': {problem}");
        }

        var contextParams = WhisperNative.whisper_vad_default_context_params();
        // One thread: the Silero graph is tiny and runs once per 32 ms frame, so more threads only add a barrier per
        // frame, and on a busy machine (spinning ggml workers competing with other processes) that made VAD ~100x slower.
        contextParams.n_threads = 1;
        contextParams.use_gpu = 0; // a 1 MB model: the CPU is faster than a device round trip

        SafeWhisperVadContextHandle vad;
        fixed (byte* path = WhisperNative.Utf8(modelPath))
        {
            vad = new SafeWhisperVadContextHandle(WhisperNative.whisper_vad_init_from_file_with_params(path, contextParams));
        }

        using (vad)
        {
            if (vad.IsInvalid)
            {
                throw new NativeEngineException(WhisperModel.Engine, capture.Describe($"could not load VAD model '{modelPath}'"));
            }

            var p = WhisperNative.whisper_vad_default_params();
            p.threshold = settings.Threshold;
            p.min_speech_duration_ms = settings.MinSpeechDurationMs;
            p.min_silence_duration_ms = settings.MinSilenceDurationMs;
            p.max_speech_duration_s = float.IsPositiveInfinity(settings.MaxSpeechDurationSeconds) ? float.MaxValue : settings.MaxSpeechDurationSeconds;
            p.speech_pad_ms = settings.SpeechPadMs;
            p.samples_overlap = settings.SamplesOverlapSeconds;

            SafeWhisperVadSegmentsHandle segments;
            fixed (float* samples = pcm)
            {
                segments = new SafeWhisperVadSegmentsHandle(WhisperNative.whisper_vad_segments_from_samples(vad, p, samples, pcm.Length));
            }

            using (segments)
            {
                if (segments.IsInvalid)
                {
                    throw new NativeEngineException(WhisperModel.Engine, capture.Describe("VAD failed (whisper_vad_segments_from_samples returned NULL)"));
                }

                var n = WhisperNative.whisper_vad_segments_n_segments(segments);
                var ranges = new (int Start, int End)[n];
                for (var i = 0; i < n; i++)
                {
                    // Native times are centiseconds.
                    ranges[i] = (CentisecondsToSamples(WhisperNative.whisper_vad_segments_get_segment_t0(segments, i)),
                                 CentisecondsToSamples(WhisperNative.whisper_vad_segments_get_segment_t1(segments, i)));
                }

                return SpeechAudio.Cut(pcm, ranges, (int)(settings.SamplesOverlapSeconds * SampleRate));
            }
        }
    }

    private static int CentisecondsToSamples(float cs) => (int)Math.Round(cs / 100.0 * SampleRate);

    /// <summary>The speech pieces of some audio, joined, and the way back to the original timeline.</summary>
    internal sealed class SpeechAudio
    {
        // Points (processed sample, original sample); times between two points are interpolated linearly.
        private readonly (long Processed, long Original)[] map;

        private SpeechAudio(float[] samples, (long, long)[] map, int segmentCount)
        {
            Samples = samples;
            this.map = map;
            SegmentCount = segmentCount;
        }

        public float[] Samples { get; }

        public int SegmentCount { get; }

        /// <summary>Joins the ranges (sample indices into <paramref name="pcm"/>), each but the last extended by <paramref name="overlap"/>.</summary>
        public static SpeechAudio Cut(ReadOnlySpan<float> pcm, IReadOnlyList<(int Start, int End)> ranges, int overlap)
        {
            var pieces = new List<(int Start, int Length)>(ranges.Count);
            for (var i = 0; i < ranges.Count; i++)
            {
                var start = Math.Clamp(ranges[i].Start, 0, pcm.Length);
                var end = Math.Clamp(ranges[i].End + (i < ranges.Count - 1 ? overlap : 0), start, pcm.Length);
                if (end > start)
                {
                    pieces.Add((start, end - start));
                }
            }

            var total = pieces.Sum(p => (long)p.Length) + (long)Math.Max(0, pieces.Count - 1) * GapSamples;
            var samples = new float[total];
            var map = new List<(long, long)>(pieces.Count * 2);
            var offset = 0;
            for (var i = 0; i < pieces.Count; i++)
            {
                var (start, length) = pieces[i];
                pcm.Slice(start, length).CopyTo(samples.AsSpan(offset));
                map.Add((offset, start));
                map.Add((offset + length, start + length));
                offset += length;
                if (i < pieces.Count - 1)
                {
                    offset += GapSamples; // zeros already; the gap maps onto the original pause by interpolation
                }
            }

            return new SpeechAudio(samples, [.. map], pieces.Count);
        }

        /// <summary>A time in the joined speech (ms) as a time in the audio that was cut (ms).</summary>
        public long ToOriginalMs(long processedMs)
        {
            if (map.Length == 0)
            {
                return processedMs;
            }

            var t = processedMs * SampleRate / 1000;
            if (t <= map[0].Processed)
            {
                return map[0].Original * 1000 / SampleRate;
            }

            for (var i = 1; i < map.Length; i++)
            {
                if (t <= map[i].Processed)
                {
                    var (p0, o0) = map[i - 1];
                    var (p1, o1) = map[i];
                    var original = p1 == p0 ? o1 : o0 + ((t - p0) * (o1 - o0) / (p1 - p0));
                    return original * 1000 / SampleRate;
                }
            }

            var (pl, ol) = map[^1];
            return (ol + (t - pl)) * 1000 / SampleRate;
        }
    }
}
