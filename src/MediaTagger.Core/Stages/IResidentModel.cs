namespace MediaTagger.Core.Stages;

/// <summary>
/// A stage whose model lives in a process of its own (a model host): what the load cost, what it holds now, and
/// whether the host has failed (crashed, hung, killed) so the stage must be started again.
/// </summary>
public interface IResidentModel
{
    /// <summary>The host's process id.</summary>
    int ProcessId { get; }

    /// <summary>Time from starting the host to its "ready".</summary>
    long LoadMs { get; }

    /// <summary>The host's resident memory when ready: what unloading gives back.</summary>
    long FootprintBytes { get; }

    /// <summary>The host's resident memory at its last heartbeat.</summary>
    long ResidentBytes { get; }

    /// <summary>The host's peak resident memory so far (VmHWM at its last heartbeat).</summary>
    long PeakResidentBytes { get; }

    /// <summary>Set once the host died or was killed; the reason says why.</summary>
    string? Fault { get; }
}
