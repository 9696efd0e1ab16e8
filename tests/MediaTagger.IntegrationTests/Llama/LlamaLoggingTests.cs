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
