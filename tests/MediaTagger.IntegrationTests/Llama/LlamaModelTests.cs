using Xunit.Abstractions;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Native;
using MediaTagger.Native.Llama;

namespace MediaTagger.IntegrationTests.Llama;

[Collection(LlamaTestSupport.Collection)]
public class LlamaModelTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void Stories_model_loads_and_reports_progress_up_to_one()
    {
        LlamaTestSupport.RequireBackend();
        var progress = new RecordingProgress();

        using var model = LlamaModel.Load(TestAssets.Model(LlamaTestSupport.StoriesModel), new LlamaModelOptions(), progress);

        progress.Values.Should().NotBeEmpty().And.BeInAscendingOrder();
        progress.Values[^1].Should().Be(1.0f);
        model.Description.Should().StartWith("llama");
        model.ParameterCount.Should().BeInRange(200_000, 400_000, "it is the 260K-parameter TinyStories model");
        model.VocabSize.Should().Be(512);
        model.LayerCount.Should().Be(5);
        model.EmbeddingLength.Should().Be(64);
        model.TrainContextLength.Should().Be(2048);
        model.SizeBytes.Should().BeGreaterThan(0);
        model.ChatTemplate.Should().BeNull();
        model.GetMetadata("general.architecture").Should().Be("llama");
        model.GetMetadata("no.such.key").Should().BeNull();
    }

    [SkippableFact]
    public void Greedy_generation_continues_once_upon_a_time()
    {
        using var model = LlamaTestSupport.LoadStories();
        using var context = LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 256, Threads = 1 });
        using var sampler = LlamaSampler.CreateBuilder(model).Greedy().Build();

        var result = new LlamaGenerator().Generate(context, sampler, "Once upon a time", maxTokens: 32);
        output.WriteLine($"{result.StopReason} after {result.GeneratedTokens} tokens ({result.PromptMs:F1} + {result.GenerateMs:F1} ms): {result.Text}");

        result.GeneratedTokens.Should().BeGreaterThanOrEqualTo(16);
        result.Text.Trim().Should().NotBeEmpty();
        result.PromptTokens.Should().BeGreaterThan(1, "BOS plus the prompt's words");
        result.StopReason.Should().BeOneOf(StopReason.MaxTokens, StopReason.EndOfGeneration);
        context.Position.Should().Be(result.PromptTokens + result.GeneratedTokens);
    }

    [SkippableFact]
    public void Greedy_generation_is_reproducible_and_independent_of_the_batch_size()
    {
        using var model = LlamaTestSupport.LoadStories();
        var prompt = model.Tokenize("Once upon a time, there was a little girl named Lily. She loved to play outside", addSpecial: true, parseSpecial: false);
        prompt.Length.Should().BeGreaterThan(8, "the prompt must span several batches of 4");

        string Run(int batchSize)
        {
            using var context = LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 256, BatchSize = batchSize, Threads = 1 });
            using var sampler = LlamaSampler.CreateBuilder(model).Greedy().Build();
            return new LlamaGenerator().Generate(context, sampler, prompt, maxTokens: 20).Text;
        }

        var whole = Run(512);
        Run(512).Should().Be(whole);
        Run(4).Should().Be(whole, "feeding the prompt in chunks must continue positions correctly");
    }

    [SkippableFact]
    public void Seeded_sampling_repeats_with_the_same_seed()
    {
        using var model = LlamaTestSupport.LoadStories();
        using var context = LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 256, Threads = 1 });

        string Run(uint seed)
        {
            context.ClearMemory();
            using var sampler = LlamaSampler.CreateBuilder(model).TopK(40).TopP(0.95f).MinP(0.05f).Temperature(0.9f)
                .Penalties(64, 1.1f, 0f, 0f).Distribution(seed).Build();
            return new LlamaGenerator().Generate(context, sampler, "Once upon a time", maxTokens: 24).Text;
        }

        var first = Run(42);
        first.Should().NotBeEmpty();
        Run(42).Should().Be(first);
        context.Position.Should().BeGreaterThan(0);
    }

    [SkippableFact]
    public void Clearing_memory_starts_the_sequence_over()
    {
        using var model = LlamaTestSupport.LoadStories();
        using var context = LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 128, Threads = 1 });
        using var sampler = LlamaSampler.CreateBuilder(model).Greedy().Build();
        var generator = new LlamaGenerator();

        var first = generator.Generate(context, sampler, "Once upon a time", maxTokens: 10);
        context.ClearMemory();
        context.Position.Should().Be(0);
        var second = generator.Generate(context, sampler, "Once upon a time", maxTokens: 10);

        second.Text.Should().Be(first.Text);
    }

    [SkippableFact]
    public void Generation_stops_when_the_context_is_full()
    {
        using var model = LlamaTestSupport.LoadStories();
        using var context = LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 64, Threads = 1 });
        using var sampler = LlamaSampler.CreateBuilder(model).TopK(20).Distribution(7).Build();

        var result = new LlamaGenerator().Generate(context, sampler, "Once upon a time", maxTokens: context.ContextSize * 4);

        // A story may also end by itself; when it does not, the full context is reported instead of a native error.
        result.StopReason.Should().BeOneOf(StopReason.ContextFull, StopReason.EndOfGeneration);
        if (result.StopReason == StopReason.ContextFull)
        {
            context.Position.Should().Be(context.ContextSize);
        }

        var overflow = () => context.Decode(new int[context.ContextSize + 1]);
        overflow.Should().Throw<InvalidOperationException>().WithMessage("*do not fit*");
    }

    [SkippableFact]
    public void Cancelled_generation_returns_what_was_generated()
    {
        using var model = LlamaTestSupport.LoadStories();
        using var context = LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 256, Threads = 1 });
        using var sampler = LlamaSampler.CreateBuilder(model).Greedy().Build();
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        var result = new LlamaGenerator().Generate(context, sampler, "Once upon a time", maxTokens: 50, cts.Token);

        result.StopReason.Should().Be(StopReason.Cancelled);
        result.GeneratedTokens.Should().Be(0);
    }

    [SkippableFact]
    public void A_context_keeps_its_model_alive_after_the_model_is_disposed()
    {
        var model = LlamaTestSupport.LoadStories();
        using var context = LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 128, Threads = 1 });
        using var sampler = LlamaSampler.CreateBuilder(model).Greedy().Build();
        var prompt = model.Tokenize("Once upon a time", addSpecial: true, parseSpecial: false);

        model.Dispose();
        var result = new LlamaGenerator().Generate(context, sampler, prompt, maxTokens: 8);

        result.GeneratedTokens.Should().Be(8);
        var tokenize = () => model.Tokenize("x", addSpecial: false, parseSpecial: false);
        tokenize.Should().Throw<ObjectDisposedException>();
    }

    [SkippableFact]
    public void Sampling_before_any_decode_is_refused_instead_of_aborting_the_process()
    {
        using var model = LlamaTestSupport.LoadStories();
        using var context = LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 64, Threads = 1 });
        using var sampler = LlamaSampler.CreateBuilder(model).Greedy().Build();

        var act = () => sampler.Sample(context);

        act.Should().Throw<InvalidOperationException>();
    }

    [SkippableFact]
    public void A_cancelled_token_cancels_the_load()
    {
        LlamaTestSupport.RequireBackend();
        var path = TestAssets.Model(LlamaTestSupport.StoriesModel);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        var act = () => LlamaModel.Load(path, new LlamaModelOptions(), null, cts.Token);

        act.Should().Throw<OperationCanceledException>();
    }

    [SkippableFact]
    public void Cancelling_during_the_load_aborts_it_natively()
    {
        LlamaTestSupport.RequireBackend();
        var path = TestAssets.Model(LlamaTestSupport.StoriesModel);
        using var cts = new CancellationTokenSource();

        // Cancel from inside the first progress report: only llama.cpp's callback can stop the load now.
        var progress = new RecordingProgress(_ => cts.Cancel());
        var act = () => LlamaModel.Load(path, new LlamaModelOptions(), progress, cts.Token);

        act.Should().Throw<OperationCanceledException>().Which.CancellationToken.Should().Be(cts.Token);
        progress.Values.Should().ContainSingle("the load stopped at the first report");

        using var again = LlamaModel.Load(path);
        again.VocabSize.Should().Be(512, "a cancelled load leaves nothing behind");
    }

    [SkippableFact]
    public void A_garbage_file_throws_a_native_engine_error_naming_the_path()
    {
        LlamaTestSupport.RequireBackend();
        var path = Path.Combine(Path.GetTempPath(), $"garbage-{Guid.NewGuid():N}.gguf");
        File.WriteAllBytes(path, Enumerable.Range(0, 4096).Select(i => (byte)(i * 31 % 251)).ToArray());
        try
        {
            var act = () => LlamaModel.Load(path);

            var error = act.Should().Throw<NativeEngineException>().Which;
            error.Engine.Should().Be("llama.cpp");
            error.Message.Should().Contain(path).And.Contain("magic", "llama.cpp's own reason is passed on");
        }
        finally
        {
            File.Delete(path);
        }

        // The process survived and llama.cpp still works.
        using var model = LlamaModel.Load(TestAssets.Model(LlamaTestSupport.StoriesModel));
        model.VocabSize.Should().Be(512);
    }

    [SkippableFact]
    public void A_truncated_download_throws_a_native_engine_error()
    {
        LlamaTestSupport.RequireBackend();
        var source = File.ReadAllBytes(TestAssets.Model(LlamaTestSupport.StoriesModel));
        var path = Path.Combine(Path.GetTempPath(), $"truncated-{Guid.NewGuid():N}.gguf");
        File.WriteAllBytes(path, source[..(source.Length / 2)]);
        try
        {
            var act = () => LlamaModel.Load(path);

            act.Should().Throw<NativeEngineException>().WithMessage($"*{path}*");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [SkippableFact]
    public void A_missing_file_is_reported_before_llama_is_asked()
    {
        LlamaTestSupport.RequireBackend();

        var act = () => LlamaModel.Load("/nonexistent/model.gguf");

        act.Should().Throw<FileNotFoundException>().WithMessage("*/nonexistent/model.gguf*");
    }

    [SkippableFact]
    public void A_vocab_only_model_cannot_run_a_context()
    {
        using var vocab = LlamaTestSupport.LoadQwenVocab();

        var act = () => LlamaContext.Create(vocab);

        act.Should().Throw<InvalidOperationException>().WithMessage("*vocab-only*");
    }
}
