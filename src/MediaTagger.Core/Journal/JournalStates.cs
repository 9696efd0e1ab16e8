namespace MediaTagger.Core.Journal;

/// <summary>Where a media item stands. Pending and Processing are unfinished; the rest are final until the file changes.</summary>
public enum ItemState
{
    /// <summary>Tasks were created; none has started yet.</summary>
    Pending,

    /// <summary>At least one task has been handed to a stage.</summary>
    Processing,

    /// <summary>Every stage succeeded and the sidecar was written.</summary>
    Complete,

    /// <summary>Some stages succeeded, some failed; the sidecar says which.</summary>
    Partial,

    /// <summary>No stage succeeded.</summary>
    Failed,

    /// <summary>A task was set aside after repeated failures (or crashes); the sidecar records why.</summary>
    Quarantined,

    /// <summary>Not a supported media file; remembered so a rescan does not sniff it again until it changes.</summary>
    Ignored,

    /// <summary>The file was deleted; a later ingest of the same path starts afresh.</summary>
    Removed,
}

/// <summary>Where one stage's work on one item stands. Done, Failed and Quarantined are terminal.</summary>
public enum TaskState
{
    Pending,
    Running,
    Done,
    Failed,
    Quarantined,
}

/// <summary>What <see cref="IJournal.Ingest"/> made of a file.</summary>
public enum IngestDecision
{
    /// <summary>First time seen (or seen again after it was removed or ignored): tasks created.</summary>
    New,

    /// <summary>The content hash differs: old tasks and results dropped, tasks created.</summary>
    Changed,

    /// <summary>Same content, pipeline and configuration: only size and mtime were updated.</summary>
    Unchanged,

    /// <summary>Same content but a different pipeline or configuration hash: tasks created again.</summary>
    Reconfigured,
}

/// <summary>How a failed task continues.</summary>
public enum TaskFailureMode
{
    /// <summary>Back to Pending, not claimable before the retry time.</summary>
    Retry,

    /// <summary>Failed for good (a corrupt file); the item can still finish as Partial.</summary>
    Permanent,

    /// <summary>Set aside after repeated failures; the item finishes as Quarantined.</summary>
    Quarantine,
}

public enum ModelEventKind
{
    Load,
    Unload,
}

internal static class JournalStates
{
    public static bool IsTerminal(this TaskState state) =>
        state is TaskState.Done or TaskState.Failed or TaskState.Quarantined;

    public static bool IsUnfinished(this ItemState state) => state is ItemState.Pending or ItemState.Processing;
}
