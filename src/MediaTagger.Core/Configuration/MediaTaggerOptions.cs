namespace MediaTagger.Core.Configuration;

/// <summary>
/// pipelines.json, bound through the generic host's configuration, so environment variables
/// (MEDIATAGGER_WORKER__STABLEWINDOWSECONDS=5) and --set worker:stableWindowSeconds=5 on the command line override it.
/// The schema is documented in docs/pipelines.md.
/// </summary>
public sealed class MediaTaggerOptions
{
    public WorkerOptions Worker { get; set; } = new();

    public List<WatchEntry> Watch { get; set; } = [];

    public Dictionary<string, PipelineDefinition> Pipelines { get; set; } = new(StringComparer.Ordinal);

    public OutputOptions Outputs { get; set; } = new();

    public List<ScheduleEntry> Schedules { get; set; } = [];
}

public sealed class WorkerOptions
{
    /// <summary>A file must keep the same size and mtime this long before it is processed.</summary>
    public double StableWindowSeconds { get; set; } = 2;

    /// <summary>Full rescan of every watched folder, catching anything the events missed.</summary>
    public double RescanIntervalSeconds { get; set; } = 300;

    /// <summary>Attempts per task before it is quarantined.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>First retry delay; doubles per attempt (with jitter).</summary>
    public double RetryDelaySeconds { get; set; } = 2;

    /// <summary>The SQLite journal (relative to the configuration file's folder).</summary>
    public string JournalPath { get; set; } = ".mediatagger/journal.db";

    /// <summary>cpu | 4gb | 8gb | &lt;N&gt;MB: the memory budget for models.</summary>
    public string Profile { get; set; } = "cpu";

    /// <summary>Files larger than this are refused (a failed sidecar says so).</summary>
    public long MaxFileBytes { get; set; } = 64L << 30;

    /// <summary>Images whose header declares more pixels than this are refused before decoding.</summary>
    public long MaxImagePixels { get; set; } = 178_956_970;

    /// <summary>How long a graceful stop may take to finish the in-flight batch.</summary>
    public double ShutdownSeconds { get; set; } = 20;

    /// <summary>Tasks handed to a stage at once (files per model batch).</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>process: each model runs in a model host of its own (a crash or hang costs one batch, unloading frees
    /// everything); inprocess: models load into the worker (fewer processes; a native crash takes the worker down).</summary>
    public string Isolation { get; set; } = "process";

    /// <summary>A resident model unused this long is unloaded.</summary>
    public double ModelIdleSeconds { get; set; } = 120;

    /// <summary>A stage whose oldest task waited this long may force a swap away from a resident model that still has work.</summary>
    public double AgingSeconds { get; set; } = 300;

    /// <summary>Longest a model host may take from start to loaded.</summary>
    public double HostLoadSeconds { get; set; } = 300;

    /// <summary>A model host silent this long (no heartbeat) is hung: it is killed and its batch retried.</summary>
    public double HostHeartbeatSeconds { get; set; } = 20;

    /// <summary>A batch must finish within this plus <see cref="TaskTimeoutSeconds"/> per task, or its host is killed.</summary>
    public double BatchTimeoutSeconds { get; set; } = 60;

    public double TaskTimeoutSeconds { get; set; } = 30;

    /// <summary>Added to a batch's limit per second of audio or video in it: transcribing on a CPU may run slower
    /// than real time, which is not a hang.</summary>
    public double TimeoutPerMediaSecond { get; set; } = 10;
}

public sealed class WatchEntry
{
    public string Path { get; set; } = "";

    public bool Recursive { get; set; } = true;

    /// <summary>Glob patterns relative to <see cref="Path"/>; empty means everything.</summary>
    public List<string> Include { get; set; } = [];

    public List<string> Exclude { get; set; } = [];

    public string Pipeline { get; set; } = "default";

    /// <summary>Poll instead of inotify (network shares, where change events do not arrive).</summary>
    public bool Polling { get; set; }

    public double PollIntervalSeconds { get; set; } = 10;
}

/// <summary>Ordered stages per media kind.</summary>
public sealed class PipelineDefinition
{
    public List<StageDefinition> Image { get; set; } = [];

    public List<StageDefinition> Audio { get; set; } = [];

    public List<StageDefinition> Video { get; set; } = [];
}

public sealed class StageDefinition
{
    public string Stage { get; set; } = "";

    /// <summary>Stage parameters (strings, parsed by the stage), e.g. { "model": "mobilenetv2-int8", "topK": "5" }.</summary>
    public Dictionary<string, string> With { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Weight in the scheduler's choice (pending work x age x priority); 2 runs a stage's batches sooner.</summary>
    public double Priority { get; set; } = 1;
}

public sealed class OutputOptions
{
    /// <summary>beside: &lt;file&gt;.json next to the media; mirror: the same relative path under <see cref="MirrorRoot"/>.</summary>
    public string Sidecar { get; set; } = "beside";

    public string? MirrorRoot { get; set; }

    /// <summary>What is written when <see cref="Formats"/> is not given: the sidecar, and an audio or video file's
    /// transcript as subtitles and text.</summary>
    public static readonly IReadOnlyList<string> DefaultFormats = ["json", "srt", "vtt", "txt"];

    /// <summary>
    /// Formats written besides the canonical JSON (always written): srt, vtt and txt (an audio or video file's
    /// transcript; txt is kohya tags for images once that stage arrives), caption. Not given or empty:
    /// <see cref="DefaultFormats"/>; a list replaces the defaults, so ["json"] turns the transcript files off. (The
    /// default is not this list's initial content because configuration binding adds to a list rather than replace it.)
    /// </summary>
    public List<string> Formats { get; set; } = [];

    /// <summary>The formats in force: <see cref="Formats"/>, or <see cref="DefaultFormats"/> when none is listed.</summary>
    public IReadOnlyList<string> EffectiveFormats => Formats.Count == 0 ? DefaultFormats : Formats;
}

public sealed class ScheduleEntry
{
    public string Name { get; set; } = "";

    /// <summary>Five-field cron (minute hour day month weekday) at which a full pass over <see cref="Paths"/> starts.</summary>
    public string Cron { get; set; } = "";

    public List<string> Paths { get; set; } = [];

    public string Pipeline { get; set; } = "default";
}
