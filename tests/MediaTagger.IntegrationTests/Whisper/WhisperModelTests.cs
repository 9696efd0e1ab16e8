using MediaTagger.IntegrationTests.Support;
using MediaTagger.Media.Audio;
using MediaTagger.Native;
using MediaTagger.Native.Whisper;

namespace MediaTagger.IntegrationTests.Whisper;

/// <summary>
/// The whisper.cpp binding end to end with whisper.cpp's official empty tiny.en test model: it has the real header,
/// mel filters and vocabulary but no weights, so it runs the whole encode/decode path and transcribes nothing.
/// </summary>
public class WhisperModelTests
{
    private const string EmptyTinyEn = "whisper/for-tests-ggml-tiny.en.bin";
    private const string SileroVad = "vad/ggml-silero-v6.2.0.bin";

    [SkippableFact]
    public void Loading_the_tiny_en_model_reports_what_it_is_and_where_it_runs()
    {
        var logger = new RecordingLogger<WhisperModelTests>();
        using var model = LoadEmptyModel(logger, new WhisperModelOptions { UseGpu = true });

        WhisperModel.Version.Should().Be("1.9.1");
        WhisperModel.SystemInfo.Should().Contain("CPU");
        model.ModelType.Should().Be("tiny");
        model.IsMultilingual.Should().BeFalse();
        model.VocabSize.Should().Be(51864);
        model.TextContextSize.Should().Be(448);
        model.AudioContextSize.Should().Be(1500);
        logger.MessagesWith(2200).Should().ContainSingle().Which.Should().Contain("tiny").And.Contain(model.Device);

        if (HasGpuBackend())
        {
            throw new SkipException("this whisper.cpp build has a GPU backend; the CPU-only report is not what is being checked here");
        }

        // This build is CPU-only: asking for a GPU must say so, not pretend.
        model.Device.Should().Be("cpu");
        logger.MessagesWith(2202).Should().ContainSingle().Which.Should().Contain("CPU");
    }

    [SkippableFact]
    public async Task A_full_pass_over_jfk_mp3_decoded_by_ffmpeg_runs_reports_progress_and_yields_no_segments()
    {
        using var model = LoadEmptyModel();
        TestAssets.RequireTool("ffmpeg");
        var pcm = await new FfmpegAudioDecoder().DecodeAsync(TestAssets.Media("audio/jfk.mp3"));
        var progress = new RecordingProgress();

        var result = model.Transcribe(pcm, new WhisperTranscribeOptions { Language = "en", Threads = 2 }, progress);

        result.Segments.Should().BeEmpty("the empty test model transcribes nothing");
        result.Language.Should().Be("en");
        progress.Values.Should().NotBeEmpty().And.BeInAscendingOrder();
        progress.Values[^1].Should().Be(100);
    }

    [SkippableFact]
    public void One_model_serves_sequential_calls_including_after_a_cancelled_one()
    {
        using var model = LoadEmptyModel();
        var pcm = Speechless(seconds: 40); // longer than one 30 s window, so there is work left to abort

        using var cts = new CancellationTokenSource();
        var progress = new RecordingProgress(_ => cts.Cancel()); // cancel as soon as whisper starts
        model.Invoking(m => m.Transcribe(pcm, new WhisperTranscribeOptions { Threads = 2 }, progress, cts.Token))
            .Should().Throw<OperationCanceledException>();
        progress.Values.Should().NotContain(100, "the native computation was aborted, not finished");

        var second = new RecordingProgress();
        model.Transcribe(pcm, new WhisperTranscribeOptions { Threads = 2 }, second).Segments.Should().BeEmpty();
        second.Values[^1].Should().Be(100);
    }

    [SkippableFact]
    public void An_already_cancelled_token_throws_before_any_work()
    {
        using var model = LoadEmptyModel();
        var progress = new RecordingProgress();

        model.Invoking(m => m.Transcribe(Speechless(2), progress: progress, cancellationToken: new CancellationToken(canceled: true)))
            .Should().Throw<OperationCanceledException>();
        progress.Values.Should().BeEmpty();
    }

    [SkippableFact]
    public async Task Language_detection_runs_and_returns_a_whisper_language_code()
    {
        using var model = LoadEmptyModel();
        TestAssets.RequireTool("ffmpeg");
        var pcm = await new FfmpegAudioDecoder().DecodeAsync(TestAssets.Media("audio/jfk.wav"));

        // The native detector itself (encoder + language tokens) on this model.
        var scores = model.DetectLanguageScores(pcm, offsetMs: 0, threads: 2);
        scores.Detected.Should().BeTrue();
        WhisperModel.LanguageId(scores.Language).Should().BeGreaterThanOrEqualTo(0, $"'{scores.Language}' should be one of whisper's languages");
        scores.Probability.Should().BeInRange(0f, 1f);
        scores.Candidates.Should().HaveCount(5).And.BeInDescendingOrder(c => c.Probability);
        scores.Candidates[0].Language.Should().Be(scores.Language);

        // What a caller gets: an English-only model cannot tell languages apart, so it says "en", unmeasured.
        var detection = model.DetectLanguage(pcm);
        detection.Should().BeEquivalentTo(new WhisperLanguageDetection { Language = "en", Probability = null, Detected = false });
        var languageOnly = model.Transcribe(pcm, new WhisperTranscribeOptions { DetectLanguageOnly = true });
        languageOnly.Language.Should().Be("en");
        languageOnly.Segments.Should().BeEmpty();
    }

    [SkippableFact]
    public void Language_codes_and_ids_come_from_whisper()
    {
        TestAssets.RequireNative("whisper");

        WhisperModel.LanguageCode(0).Should().Be("en");
        WhisperModel.LanguageCode(2).Should().Be("de");
        WhisperModel.LanguageId("german").Should().Be(2);
        WhisperModel.LanguageId("de").Should().Be(2);
        WhisperModel.LanguageId("klingon").Should().Be(-1);
        WhisperModel.LanguageCode(-1).Should().BeNull();
        WhisperModel.LanguageCode(WhisperModel.MaxLanguageId + 1).Should().BeNull();
        WhisperModel.MaxLanguageId.Should().BeGreaterThan(90);
    }

    [SkippableFact]
    public void A_garbage_model_file_is_a_native_engine_exception_naming_it_and_the_process_goes_on()
    {
        TestAssets.RequireNative("whisper");
        var garbage = Path.Combine(Path.GetTempPath(), $"not-a-model-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 64 * 1024).Select(i => (byte)(i * 7919 % 251)).ToArray());
        try
        {
            var error = FluentActions.Invoking(() => WhisperModel.Load(garbage)).Should().Throw<NativeEngineException>().Which;
            error.Engine.Should().Be("whisper.cpp");
            error.Message.Should().Contain(garbage).And.Contain("bad magic", "whisper.cpp's own reason is kept");

            var missing = garbage + ".missing";
            FluentActions.Invoking(() => WhisperModel.Load(missing)).Should().Throw<NativeEngineException>()
                .Which.Message.Should().Contain(missing).And.Contain("does not exist");
        }
        finally
        {
            File.Delete(garbage);
        }

        // Still alive and working.
        using var model = LoadEmptyModel();
        model.Transcribe(Speechless(1), new WhisperTranscribeOptions { Language = "en" }).Segments.Should().BeEmpty();
    }

    [SkippableFact]
    public void Model_files_that_would_abort_whisper_cpp_are_refused_with_an_exception()
    {
        TestAssets.RequireNative("whisper");
        var vadModel = TestAssets.Model(SileroVad);
        var cut = Path.Combine(Path.GetTempPath(), $"cut-model-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(cut, File.ReadAllBytes(TestAssets.Model(EmptyTinyEn)).Take(20).ToArray());
        try
        {
            // Both reach GGML_ASSERT inside whisper.cpp's loader (the process dies) unless the header check stops them.
            FluentActions.Invoking(() => WhisperModel.Load(vadModel)).Should().Throw<NativeEngineException>()
                .Which.Message.Should().Contain(vadModel).And.Contain("not a whisper model");
            FluentActions.Invoking(() => WhisperModel.Load(cut)).Should().Throw<NativeEngineException>()
                .Which.Message.Should().Contain(cut).And.Contain("truncated");
        }
        finally
        {
            File.Delete(cut);
        }
    }

    [SkippableFact]
    public void A_model_without_weights_loads_but_says_it_will_transcribe_nothing()
    {
        var logger = new RecordingLogger<WhisperModelTests>();
        using var model = LoadEmptyModel(logger);

        model.HasWeights.Should().BeFalse();
        logger.MessagesWith(2213).Should().ContainSingle().Which.Should().Contain("no weights");
    }

    [SkippableFact]
    public async Task Transcription_with_whisper_vad_over_jfk_wav_runs()
    {
        var logger = new RecordingLogger<WhisperModelTests>();
        using var model = LoadEmptyModel(logger);
        var vadModel = TestAssets.Model(SileroVad);
        TestAssets.RequireTool("ffmpeg");
        var pcm = await new FfmpegAudioDecoder().DecodeAsync(TestAssets.Media("audio/jfk.wav"));
        var progress = new RecordingProgress();

        var result = model.Transcribe(pcm, new WhisperTranscribeOptions { UseVad = true, VadModelPath = vadModel, Threads = 2 }, progress);

        result.Segments.Should().BeEmpty();
        progress.Values[^1].Should().Be(100);
        // The VAD found the speech (the log says how much it kept) and whisper ran on it.
        logger.MessagesWith(2209).Should().ContainSingle();
        logger.MessagesWith(2204).Should().ContainSingle();
    }

    [SkippableFact]
    public async Task Whisper_vad_finds_the_speech_in_jfk_wav_and_none_in_silence()
    {
        TestAssets.RequireNative("whisper");
        var vadModel = TestAssets.Model(SileroVad);
        TestAssets.RequireTool("ffmpeg");
        var pcm = await new FfmpegAudioDecoder().DecodeAsync(TestAssets.Media("audio/jfk.wav"));
        using var capture = WhisperNativeLog.Begin(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        var speech = WhisperVad.Filter(pcm, vadModel, new WhisperVadParams(), capture);
        var silence = WhisperVad.Filter(new float[5 * WhisperModel.SampleRate], vadModel, new WhisperVadParams(), capture);

        speech.SegmentCount.Should().BeGreaterThan(0);
        (speech.Samples.Length / (double)WhisperModel.SampleRate).Should().BeInRange(5, 11.5, "most of jfk.wav is speech");
        silence.Samples.Should().BeEmpty();
    }

    [SkippableFact]
    public void Vad_over_silence_skips_whisper_and_a_bad_vad_model_is_reported()
    {
        var logger = new RecordingLogger<WhisperModelTests>();
        using var model = LoadEmptyModel(logger);
        var vadModel = TestAssets.Model(SileroVad);

        var result = model.Transcribe(Speechless(5), new WhisperTranscribeOptions { UseVad = true, VadModelPath = vadModel });
        result.Segments.Should().BeEmpty();
        logger.MessagesWith(2210).Should().ContainSingle();

        var notVad = TestAssets.Model(EmptyTinyEn);
        model.Invoking(m => m.Transcribe(Speechless(1), new WhisperTranscribeOptions { UseVad = true, VadModelPath = notVad }))
            .Should().Throw<NativeEngineException>().Which.Message.Should().Contain(notVad);
    }

    [SkippableFact]
    public void Empty_audio_gives_an_empty_result_and_an_offset_past_the_end_is_refused()
    {
        using var model = LoadEmptyModel();

        model.Transcribe(ReadOnlySpan<float>.Empty, new WhisperTranscribeOptions()).Segments.Should().BeEmpty();
        model.Invoking(m => m.Transcribe(Speechless(1), new WhisperTranscribeOptions { OffsetMs = 5000 }))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*past the end*");
    }

    [SkippableFact]
    public void A_disposed_model_refuses_calls()
    {
        var model = LoadEmptyModel();
        model.Dispose();

        model.Invoking(m => m.Transcribe(Speechless(1))).Should().Throw<ObjectDisposedException>();
    }

    private static WhisperModel LoadEmptyModel(RecordingLogger<WhisperModelTests>? logger = null, WhisperModelOptions? options = null)
    {
        TestAssets.RequireNative("whisper");
        return WhisperModel.Load(TestAssets.Model(EmptyTinyEn), options ?? new WhisperModelOptions { UseGpu = false }, logger);
    }

    /// <summary>Low noise, so nothing depends on test media.</summary>
    private static float[] Speechless(int seconds)
    {
        var random = new Random(42);
        return Enumerable.Range(0, seconds * WhisperModel.SampleRate).Select(_ => (float)((random.NextDouble() - 0.5) * 1e-3)).ToArray();
    }

    private static bool HasGpuBackend()
    {
        var info = WhisperModel.SystemInfo;
        return new[] { "CUDA", "Vulkan", "Metal", "SYCL", "OpenCL", "HIP", "MUSA", "CANN" }.Any(b => info.Contains(b, StringComparison.OrdinalIgnoreCase));
    }
}
