namespace MediaTagger.Core.Journal;

/// <summary>How <see cref="IJournal.FailTask"/> should treat a failure: retry later, fail, or quarantine.</summary>
public sealed record TaskFailure
{
    private TaskFailure(TaskFailureMode mode, DateTimeOffset? retryAt)
    {
        Mode = mode;
        RetryAt = retryAt;
    }

    public TaskFailureMode Mode { get; }

    /// <summary>When a retried task becomes claimable again; null for the other modes.</summary>
    public DateTimeOffset? RetryAt { get; }

    public static TaskFailure Permanent { get; } = new(TaskFailureMode.Permanent, null);

    public static TaskFailure Quarantine { get; } = new(TaskFailureMode.Quarantine, null);

    public static TaskFailure Retry(DateTimeOffset at) => new(TaskFailureMode.Retry, at);
}
