using MediaTagger.Native;
using MediaTagger.Native.Llama;

namespace MediaTagger.IntegrationTests.Llama;

[Collection(LlamaTestSupport.Collection)]
public class LlamaVocabTests
{
    private static readonly ChatMessage[] Chat =
    [
        new("system", "You tag photos."),
        new("user", "Describe this picture."),
    ];

    [SkippableFact]
    public void Qwen2_tokenizes_hello_world_to_its_published_ids_and_back()
    {
        using var vocab = LlamaTestSupport.LoadQwenVocab();

        var tokens = vocab.Tokenize("Hello world", addSpecial: true, parseSpecial: false);

        tokens.Should().Equal(9707, 1879);
        vocab.Detokenize(tokens).Should().Be("Hello world");
        vocab.TokenToPiece(1879, special: false).Should().Be(" world");
    }

    [SkippableFact]
    public void Qwen2_vocabulary_round_trips_multilingual_text()
    {
        using var vocab = LlamaTestSupport.LoadQwenVocab();
        const string text = "Ünïcödé café — 東京の写真 🐈 tags: [\"cat\", \"night\"]";

        var tokens = vocab.Tokenize(text, addSpecial: false, parseSpecial: false);

        tokens.Length.Should().BeGreaterThan(text.Length / 4);
        vocab.Detokenize(tokens).Should().Be(text);
        vocab.Tokenize("", addSpecial: false, parseSpecial: false).Should().BeEmpty();
        vocab.Detokenize([]).Should().BeEmpty();
    }

    [SkippableFact]
    public void Qwen2_chat_template_formats_a_system_and_user_turn()
    {
        using var vocab = LlamaTestSupport.LoadQwenVocab();

        vocab.ChatTemplate.Should().Contain("<|im_start|>");
        var prompt = vocab.ApplyChatTemplate(Chat, addAssistantTurn: true);

        prompt.Should().Contain("<|im_start|>system\nYou tag photos.<|im_end|>");
        prompt.Should().Contain("<|im_start|>user\nDescribe this picture.<|im_end|>");
        prompt.Should().EndWith("<|im_start|>assistant\n");
        vocab.ApplyChatTemplate(Chat, addAssistantTurn: false).Should().NotContain("<|im_start|>assistant");
    }

    [SkippableFact]
    public void Special_token_text_becomes_one_token_only_when_parsing_special()
    {
        using var vocab = LlamaTestSupport.LoadQwenVocab();
        var prompt = vocab.ApplyChatTemplate(Chat, addAssistantTurn: true);

        var parsed = vocab.Tokenize(prompt, addSpecial: false, parseSpecial: true);
        var plain = vocab.Tokenize(prompt, addSpecial: false, parseSpecial: false);

        parsed[0].Should().Be(151644, "<|im_start|> is one control token");
        plain.Length.Should().BeGreaterThan(parsed.Length);
        vocab.IsEndOfGeneration(151645).Should().BeTrue("<|im_end|> ends a chat turn");
        vocab.IsEndOfGeneration(9707).Should().BeFalse();
        vocab.Detokenize(parsed, unparseSpecial: true).Should().Be(prompt);
    }

    [SkippableFact]
    public void Long_chats_grow_the_template_buffer()
    {
        using var vocab = LlamaTestSupport.LoadQwenVocab();
        var longText = string.Concat(Enumerable.Repeat("a tag, ", 5000));

        var prompt = vocab.ApplyChatTemplate([new ChatMessage("user", longText)], addAssistantTurn: true);

        prompt.Should().Contain(longText).And.EndWith("<|im_start|>assistant\n");
    }

    [SkippableFact]
    public void A_model_without_a_template_needs_one_to_be_given()
    {
        using var model = LlamaTestSupport.LoadStories();

        var act = () => model.ApplyChatTemplate(Chat, addAssistantTurn: true);

        act.Should().Throw<InvalidOperationException>().WithMessage("*no chat template*");
        model.ApplyChatTemplate(Chat, addAssistantTurn: true, templateOverride: "chatml").Should().EndWith("<|im_start|>assistant\n");
    }

    [SkippableFact]
    public void A_template_llama_does_not_recognise_is_a_native_engine_error()
    {
        using var vocab = LlamaTestSupport.LoadQwenVocab();

        var act = () => vocab.ApplyChatTemplate(Chat, addAssistantTurn: true, templateOverride: "{{ nothing we know }}");

        act.Should().Throw<NativeEngineException>().WithMessage("*not one llama.cpp*recognises*");
    }

    [SkippableFact]
    public void Token_ids_outside_the_vocabulary_are_rejected()
    {
        using var vocab = LlamaTestSupport.LoadQwenVocab();

        var act = () => vocab.TokenToPiece(vocab.VocabSize, special: false);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
