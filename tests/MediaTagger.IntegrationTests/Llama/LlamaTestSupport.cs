using MediaTagger.IntegrationTests.Support;
using MediaTagger.Native.Llama;

namespace MediaTagger.IntegrationTests.Llama;

/// <summary>Shared set-up for the llama.cpp tests: the native folder, the two real models, a synchronous progress sink.</summary>
internal static class LlamaTestSupport
{
    /// <summary>
    /// One collection, so the llama tests run one after another: ggml's worker threads spin while waiting, and
    /// several contexts computing at once on a small machine slow each other down many times over.
    /// </summary>
    public const string Collection = "llama.cpp";

    public const string StoriesModel = "llm/stories260K.gguf";
    public const string QwenVocab = "llm/ggml-vocab-qwen2.gguf";

    /// <summary>Skips (or fails under MEDIATAGGER_REQUIRE_ASSETS=1) unless the llama libraries are set up, then initializes them.</summary>
    public static void RequireBackend()
    {
        TestAssets.RequireNative("llama");
        LlamaBackend.Initialize();
    }

    public static LlamaModel LoadStories()
    {
        RequireBackend();
        return LlamaModel.Load(TestAssets.Model(StoriesModel));
    }

    public static LlamaModel LoadQwenVocab()
    {
        RequireBackend();
        return LlamaModel.Load(TestAssets.Model(QwenVocab), new LlamaModelOptions { VocabOnly = true });
    }

    /// <summary>A file under the native folder, with the same skip-or-fail rule as <see cref="TestAssets"/>.</summary>
    public static string NativeFile(params string[] parts)
    {
        var path = Path.Combine([TestAssets.RequireNative("include"), .. parts]);
        if (!File.Exists(path))
        {
            var message = $"{path} is missing (eng/setup-native.sh installs the pinned llama.cpp headers)";
            if (TestAssets.Required)
            {
                throw new InvalidOperationException("MEDIATAGGER_REQUIRE_ASSETS=1 but " + message);
            }

            throw new SkipException(message);
        }

        return path;
    }
}

/// <summary>Reports synchronously on the loading thread (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class RecordingProgress(Action<float>? onReport = null) : IProgress<float>
{
    private readonly List<float> values = [];

    public IReadOnlyList<float> Values
    {
        get
        {
            lock (values)
            {
                return values.ToArray();
            }
        }
    }

    public void Report(float value)
    {
        lock (values)
        {
            values.Add(value);
        }

        onReport?.Invoke(value);
    }
}

[CollectionDefinition(LlamaTestSupport.Collection)]
public sealed class LlamaTestGroup;
