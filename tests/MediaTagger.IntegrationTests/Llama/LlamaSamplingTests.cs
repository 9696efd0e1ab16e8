using Xunit.Abstractions;
using System.Text.Json;
using MediaTagger.Native;
using MediaTagger.Native.Llama;

namespace MediaTagger.IntegrationTests.Llama;

[Collection(LlamaTestSupport.Collection)]
public class LlamaSamplingTests(ITestOutputHelper output)
{
    // Bounded repetitions so even a 260K-parameter model must reach the end of the object.
    private const string TagsGrammar = """
        root    ::= "{\"summary\": \"" summary "\", \"tags\": [" tag (", " tag){0,2} "]}"
        summary ::= [a-zA-Z ]{1,40}
        tag     ::= "\"" [a-z]{1,12} "\""
        """;

    [SkippableFact]
    public void Grammar_constrained_generation_yields_the_json_the_grammar_describes()
    {
        using var model = LlamaTestSupport.LoadStories();
        using var context = LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 512, Threads = 1 });
        using var sampler = LlamaSampler.CreateBuilder(model).Grammar(TagsGrammar).Greedy().Build();

        var result = new LlamaGenerator().Generate(context, sampler, "Once upon a time", maxTokens: 256);
        output.WriteLine($"{result.StopReason} after {result.GeneratedTokens} tokens: {result.Text}");

        result.StopReason.Should().Be(StopReason.EndOfGeneration, "a completed grammar only allows end of generation; text: {0}", result.Text);
        using var json = JsonDocument.Parse(result.Text);
        json.RootElement.GetProperty("summary").GetString().Should().NotBeNullOrWhiteSpace();
        var tags = json.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToList();
        tags.Should().NotBeEmpty().And.OnlyContain(t => !string.IsNullOrEmpty(t));
    }

    [SkippableFact]
    public void An_invalid_grammar_is_a_native_engine_error()
    {
        using var model = LlamaTestSupport.LoadStories();

        var act = () => LlamaSampler.CreateBuilder(model).Grammar("root ::= \"{\" value (").Greedy().Build();

        act.Should().Throw<NativeEngineException>().WithMessage("*grammar*");
    }

    [SkippableFact]
    public void A_grammar_without_its_root_rule_is_a_native_engine_error()
    {
        using var model = LlamaTestSupport.LoadStories();

        var act = () => LlamaSampler.CreateBuilder(model).Grammar("answer ::= \"yes\" | \"no\"").Greedy().Build();

        act.Should().Throw<NativeEngineException>().WithMessage("*root*");
    }

    [SkippableFact]
    public void A_chain_without_a_selecting_stage_is_refused_with_every_problem_listed()
    {
        using var model = LlamaTestSupport.LoadStories();

        var act = () => LlamaSampler.CreateBuilder(model).TopK(0).Temperature(-1).Build();

        act.Should().Throw<ArgumentException>()
            .Which.Message.Should().Contain("TopK").And.Contain("Temperature").And.Contain("Greedy()");
    }

    [SkippableFact]
    public void Greedy_alone_picks_the_tokens_llama_cpps_greedy_sampler_picks()
    {
        using var model = LlamaTestSupport.LoadStories();

        // Greedy alone is taken by the binding (an argmax of the logits); top-k over the whole vocabulary changes
        // nothing but sends every pick through llama_sampler_sample.
        IReadOnlyList<int> Run(Func<LlamaSamplerBuilder, LlamaSamplerBuilder> chain)
        {
            using var context = LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 256, Threads = 1 });
            using var sampler = chain(LlamaSampler.CreateBuilder(model)).Build();
            return new LlamaGenerator().Generate(context, sampler, "Once upon a time", maxTokens: 64).Tokens;
        }

        var binding = Run(b => b.Greedy());
        var native = Run(b => b.TopK(model.VocabSize).Greedy());

        binding.Should().NotBeEmpty().And.Equal(native);
    }

    [SkippableFact]
    public void A_context_with_its_own_batch_threads_generates_the_same_text()
    {
        using var model = LlamaTestSupport.LoadStories();

        string Run(int? batchThreads)
        {
            using var context = LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 256, Threads = 1, BatchThreads = batchThreads });
            using var sampler = LlamaSampler.CreateBuilder(model).Greedy().Build();
            return new LlamaGenerator().Generate(context, sampler, "Once upon a time, there was a little girl", maxTokens: 24).Text;
        }

        // Two CPU threadpools (1 thread for tokens, 2 for the prompt) instead of one.
        Run(2).Should().Be(Run(null));
    }

    [SkippableFact]
    public void A_sampler_refuses_a_context_of_another_model()
    {
        using var model = LlamaTestSupport.LoadStories();
        using var other = LlamaTestSupport.LoadStories();
        using var context = LlamaContext.Create(other, new LlamaContextOptions { ContextSize = 64, Threads = 1 });
        using var sampler = LlamaSampler.CreateBuilder(model).Greedy().Build();
        context.Decode(other.Tokenize("Once", addSpecial: true, parseSpecial: false));

        var act = () => sampler.Sample(context);

        act.Should().Throw<ArgumentException>();
    }
}
