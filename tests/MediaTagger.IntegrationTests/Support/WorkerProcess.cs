using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace MediaTagger.IntegrationTests.Support;

/// <summary>A real `mediatagger` process (run or tag) on a temp configuration, which tests can kill -9 or SIGTERM.</summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private WorkerProcess(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public static WorkerProcess Start(params string[] args) => new(Process.Start(CliRunner.StartInfo(args))!);

    /// <summary>SIGKILL: no chance to clean up, as in a power cut of the process.</summary>
    public void KillHard()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    /// <summary>SIGTERM, then wait for a graceful exit.</summary>
    public bool Terminate(TimeSpan timeout)
    {
        if (process.HasExited)
        {
            return true;
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        return process.WaitForExit(timeout);
    }

    /// <summary>Waits for the exit and, once exited, for the last redirected output line (the timed wait alone does not).</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout))
        {
            return false;
        }

        process.WaitForExit();
        return true;
    }

    public void Dispose()
    {
        KillHard();
        // The parameterless wait also drains the redirected output, so no reader callback outlives the process object.
        process.WaitForExit();
        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}

/// <summary>A temp folder with a pipelines.json, an inbox to watch and its own journal.</summary>
public sealed class WorkerSandbox : IDisposable
{
    public WorkerSandbox(string pipelineImageStages = """[ { "stage": "probe" } ]""", double stableWindowSeconds = 0.5, int maxAttempts = 3,
        string pipelineAudioStages = """[ { "stage": "probe" } ]""", string pipelineVideoStages = """[ { "stage": "probe" } ]""")
    {
        Root = Directory.CreateTempSubdirectory("mt-worker-").FullName;
        Inbox = Path.Combine(Root, "inbox");
        Directory.CreateDirectory(Inbox);
        ConfigPath = Path.Combine(Root, "pipelines.json");
        File.WriteAllText(ConfigPath, $$"""
            {
              "worker": { "stableWindowSeconds": {{stableWindowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "rescanIntervalSeconds": 30, "maxAttempts": {{maxAttempts}}, "retryDelaySeconds": 0.2, "journalPath": "journal.db", "shutdownSeconds": 10 },
              "watch": [ { "path": "inbox", "recursive": true, "pipeline": "default" } ],
              "pipelines": { "default": { "image": {{pipelineImageStages}}, "audio": {{pipelineAudioStages}}, "video": {{pipelineVideoStages}} } },
              "outputs": { "sidecar": "beside" }
            }
            """);
    }

    public string Root { get; }

    public string Inbox { get; }

    public string ConfigPath { get; }

    public string JournalPath => Path.Combine(Root, "journal.db");

    /// <summary>`run` on this configuration; <paramref name="arguments"/> adds options such as --set key=value.</summary>
    public WorkerProcess StartRun(params string[] arguments) => WorkerProcess.Start(["run", "--config", ConfigPath, .. arguments]);

    /// <summary>`tag` as a process the test can watch and signal while it runs: options, then the paths.</summary>
    public WorkerProcess StartTag(params string[] arguments) => WorkerProcess.Start(["tag", "--config", ConfigPath, .. arguments]);

    public CliRunner.Result Tag(params string[] paths) => CliRunner.Run(null, ["tag", "--config", ConfigPath, .. paths]);

    /// <summary>The sidecar of a media file, parsed, or null while it does not exist.</summary>
    public static JsonObject? Sidecar(string mediaPath)
    {
        var path = SidecarPathOf(mediaPath);
        return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))!.AsObject() : null;
    }

    /// <summary>Where the worker puts a sidecar beside the media (shortened for names near the 255-byte limit).</summary>
    public static string SidecarPathOf(string mediaPath) =>
        new Core.Sidecars.SidecarWriter(new Core.Configuration.OutputOptions(), [], "/").SidecarPath(mediaPath);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
