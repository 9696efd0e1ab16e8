namespace MediaTagger.Doctor;

/// <summary>One native engine: what is pinned, what was found, and what to do when it is not right.</summary>
public sealed record EngineReport(
    string Name,
    string Pinned,
    string? Version,
    string? Path,
    bool Ok,
    IReadOnlyDictionary<string, string> Details,
    string? Fix);

public sealed record CpuReport(string Model, int LogicalCores, IReadOnlyList<string> Features);

public sealed record GpuReport(string Name, long TotalMiB, long FreeMiB, string Driver);

public sealed record ModelPresence(string Id, string Family, bool TestOnly, string Location, string? Problem);

public sealed record ModelsReport(string ModelDirectory, string? Mirror, IReadOnlyList<ModelPresence> Models);

/// <summary>Everything `mediatagger doctor` checks, as printed (text) or serialised (--json).</summary>
public sealed record DoctorReport(
    IReadOnlyList<EngineReport> Engines,
    CpuReport Cpu,
    IReadOnlyList<GpuReport> Gpus,
    string GpuNote,
    ModelsReport Models)
{
    public bool Healthy => Engines.All(e => e.Ok);
}
