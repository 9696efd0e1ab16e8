using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MediaTagger.IntegrationTests.Support;

/// <summary>Keeps every log entry, so tests can assert on what an operator would read.</summary>
public sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<(LogLevel Level, EventId Id, string Message)> entries = new();

    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Entries => [.. entries];

    public IEnumerable<string> MessagesWith(int eventId) => Entries.Where(e => e.Id.Id == eventId).Select(e => e.Message);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        entries.Enqueue((logLevel, eventId, formatter(state, exception)));
}

/// <summary>An IProgress that records synchronously (Progress&lt;T&gt; posts to a context and would race the assertions).</summary>
public sealed class RecordingProgress(Action<int>? onReport = null) : IProgress<int>
{
    private readonly ConcurrentQueue<int> values = new();

    public IReadOnlyList<int> Values => [.. values];

    public void Report(int value)
    {
        values.Enqueue(value);
        onReport?.Invoke(value);
    }
}
