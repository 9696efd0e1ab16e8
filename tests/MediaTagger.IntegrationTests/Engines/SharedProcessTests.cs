using MediaTagger.IntegrationTests.Llama;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Media.Audio;
using MediaTagger.Native.Llama;
using MediaTagger.Native.Whisper;
using MediaTagger.Stages.ImageNet;

namespace MediaTagger.IntegrationTests.Engines;

/// <summary>
/// whisper.cpp bundles its own ggml (0.15.1) and llama.cpp ships ggml 0.25.1. Loaded together in one process they
/// would silently bind to each other's symbols unless whisper's ggml is hidden; this proves it is.
/// </summary>
[Collection(LlamaTestSupport.Collection)]
public sealed class SharedProcessTests
{
    [SkippableFact]
    public async Task Whisper_llama_and_onnxruntime_in_one_process_each_still_compute_correctly()
    {
        TestAssets.RequireNative("whisper");
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffmpeg");

        // whisper first, so its ggml is in the process before llama's.
        var pcm = await new FfmpegAudioDecoder().DecodeAsync(TestAssets.Media("audio/jfk.mp3"));
        using var whisper = WhisperModel.Load(TestAssets.Model("whisper/for-tests-ggml-tiny.en.bin"));
        var transcript = whisper.Transcribe(pcm, new WhisperTranscribeOptions { Threads = 1 });

        using var stories = LlamaTestSupport.LoadStories();
        using var context = LlamaContext.Create(stories, new LlamaContextOptions { ContextSize = 256, Threads = 1, BatchThreads = 1 });
        using var sampler = LlamaSampler.CreateBuilder(stories).Greedy().Build();
        var story = new LlamaGenerator().Generate(context, sampler, "Once upon a time", 24);

        using var classifier = new ImageNetClassifier(TestAssets.Model("imagenet/mobilenetv2-12-int8.onnx"), TestAssets.Model("imagenet/imagenet-simple-labels.json"));
        var labels = classifier.Classify([TestAssets.Media("images/chelsea.png")], topK: 3).Single().Labels;

        // And whisper again, after llama's ggml has loaded its CPU backend.
        var again = whisper.Transcribe(pcm, new WhisperTranscribeOptions { Threads = 1 });

        var maps = File.ReadAllText("/proc/self/maps");
        maps.Should().Contain("libwhisper.so").And.Contain("libggml-base.so", "both ggml copies are resident");
        transcript.Segments.Should().BeEmpty("the empty test model transcribes nothing, and must do so without error");
        again.Segments.Should().BeEmpty();
        story.GeneratedTokens.Should().BeGreaterThanOrEqualTo(16);
        story.Text.Should().Contain("Lily", "stories260K continues 'Once upon a time' with its story about Lily (greedy, deterministic)");
        labels.Select(l => l.Label).Should().Contain("tabby cat");
    }
}
