using MediaTagger.IntegrationTests.Support;
using MediaTagger.Native;
using MediaTagger.Native.Llama;
using Microsoft.Extensions.Logging;

namespace MediaTagger.IntegrationTests.Llama;

[Collection(LlamaTestSupport.Collection)]
public class LlamaLoggingTests
{
    [SkippableFact]
    public void Native_log_lines_and_load_failures_reach_the_logger_with_llama_event_ids()
    {
        LlamaTestSupport.RequireBackend();
        var logger = new CapturingLogger();
        LlamaBackend.Initialize(logger);
        var path = Path.Combine(Path.GetTempPath(), $"not-a-model-{Guid.NewGuid():N}.gguf");
        File.WriteAllText(path, "this is not a GGUF file");
        try
        {
            var act = () => LlamaModel.Load(path);
            act.Should().Throw<NativeEngineException>();
        }
        finally
        {
            File.Delete(path);
        }

        var entries = logger.Entries;
        entries.Should().Contain(e => e.EventId == 2101 && e.Level == LogLevel.Error && e.Message.Contains("magic", StringComparison.Ordinal),
            "llama.cpp's own error line is logged at Error");
        entries.Should().Contain(e => e.EventId == 2111 && e.Message.Contains(path, StringComparison.Ordinal));
        entries.Should().OnlyContain(e => e.EventId >= 2100 && e.EventId <= 2199);

        using var model = LlamaModel.Load(TestAssets.Model(LlamaTestSupport.StoriesModel));
        logger.Entries.Should().Contain(e => e.EventId == 2110 && e.Message.Contains("stories260K", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void A_context_computes_on_its_own_cpu_threadpool()
    {
        LlamaTestSupport.RequireBackend();
        var logger = new CapturingLogger();
        LlamaBackend.Initialize(logger);
        using var model = LlamaModel.Load(TestAssets.Model(LlamaTestSupport.StoriesModel));

        using (LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 64, Threads = 2, BatchThreads = 1, ThreadPolling = 10 }))
        {
        }

        // Without a pool ggml would start its threads anew for every token, and the binding would warn (2122).
        // Different thread counts for tokens and batches need a pool each.
        logger.Entries.Should().NotContain(e => e.EventId == 2122);
        logger.Entries.Should().Contain(e => e.EventId == 2120
            && e.Message.Contains("on 2 CPU threadpool(s), thread polling 10", StringComparison.Ordinal));
    }

    private sealed class CapturingLogger : ILogger
    {
        private readonly List<(LogLevel Level, int EventId, string Message)> entries = [];

        public IReadOnlyList<(LogLevel Level, int EventId, string Message)> Entries
        {
            get
            {
                lock (entries)
                {
                    return entries.ToArray();
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (entries)
            {
                entries.Add((logLevel, eventId.Id, formatter(state, exception)));
            }
        }
    }
}
