using System.Diagnostics;
using System.Globalization;

/// <summary>
/// Samples a process and its children (a worker and its model hosts, which start no processes of their own) from /proc
/// every ~50 ms: the summed VmRSS (its peak, and how many model hosts were alive then), and each process's VmHWM as
/// last read. Shared pages (the runtime, ONNX Runtime's library) count once per process, as VmRSS counts them.
/// Children are looked for every fifth sample (listing every thread of the worker is most of a sample's cost): a host
/// joins the sum at most ~250 ms after it starts, while it is still loading.
/// </summary>
internal sealed class ProcessTreeSampler : IDisposable
{
    private readonly int root;
    private readonly TimeSpan interval;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly Dictionary<int, SampledProcess> seen = [];
    private readonly Thread thread;
    private List<int> tree = [];
    private volatile bool stopping;

    public ProcessTreeSampler(int root, TimeSpan interval)
    {
        this.root = root;
        this.interval = interval;
        thread = new Thread(Loop) { IsBackground = true, Name = "rss sampler" };
        thread.Start();
    }

    public long PeakTreeRssBytes { get; private set; }

    public double PeakAtSeconds { get; private set; }

    /// <summary>Model hosts alive at the peak of the tree's RSS.</summary>
    public IReadOnlyList<string> HostsAtPeak { get; private set; } = [];

    /// <summary>The most model hosts seen alive in one sample.</summary>
    public int MaxConcurrentHosts { get; private set; }

    public int Samples { get; private set; }

    public IReadOnlyCollection<SampledProcess> Processes => seen.Values;

    public void Dispose()
    {
        stopping = true;
        thread.Join();
    }

    private void Loop()
    {
        while (!stopping)
        {
            var next = clock.Elapsed + interval;
            Sample();
            var wait = next - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                Thread.Sleep(wait);
            }
        }
    }

    private void Sample()
    {
        long sum = 0;
        var hosts = new List<string>();
        if (Samples % 5 == 0)
        {
            tree = WithChildren(root);
        }

        foreach (var pid in tree)
        {
            if (Status(pid) is not { } status)
            {
                continue; // gone between listing and reading
            }

            if (!seen.TryGetValue(pid, out var process))
            {
                process = new SampledProcess(pid, pid == root ? "worker" : RoleOf(pid), clock.Elapsed.TotalSeconds);
                seen[pid] = process;
            }

            process.VmHwmBytes = Math.Max(process.VmHwmBytes, status.Hwm);
            process.LastSeenSeconds = clock.Elapsed.TotalSeconds;
            sum += status.Rss;
            if (process.Role.StartsWith("model-host", StringComparison.Ordinal))
            {
                hosts.Add(process.Role);
            }
        }

        Samples++;
        MaxConcurrentHosts = Math.Max(MaxConcurrentHosts, hosts.Count);
        if (sum > PeakTreeRssBytes)
        {
            PeakTreeRssBytes = sum;
            PeakAtSeconds = clock.Elapsed.TotalSeconds;
            HostsAtPeak = hosts;
        }
    }

    /// <summary>The root and its children, from each of its threads' children list (a child belongs to the thread that forked it).</summary>
    private static List<int> WithChildren(int root)
    {
        var result = new List<int> { root };
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{root}/task"))
            {
                foreach (var child in ReadOrEmpty(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    result.Add(int.Parse(child, CultureInfo.InvariantCulture));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // the process exited while being listed
        }

        return result;
    }

    private static (long Rss, long Hwm)? Status(int pid)
    {
        long? rss = null, hwm = null;
        foreach (var line in ReadOrEmpty($"/proc/{pid}/status").Split('\n'))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kb(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                hwm = Kb(line);
            }
        }

        return rss is null ? null : (rss.Value, hwm ?? rss.Value);

        static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>"model-host ocr" for a model host (its --stage argument), else the executable's name.</summary>
    private static string RoleOf(int pid)
    {
        var args = ReadOrEmpty($"/proc/{pid}/cmdline").Split('\0');
        var verb = Array.IndexOf(args, "model-host");
        var stage = Array.IndexOf(args, "--stage");
        if (verb >= 0 && stage >= 0 && stage + 1 < args.Length)
        {
            return "model-host " + args[stage + 1];
        }

        return args.Length > 0 ? Path.GetFileName(args[0]) : "?";
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}

/// <summary>One process of the sampled tree.</summary>
internal sealed class SampledProcess(int pid, string role, double firstSeenSeconds)
{
    public int Pid { get; } = pid;

    public string Role { get; } = role;

    public double FirstSeenSeconds { get; } = firstSeenSeconds;

    public double LastSeenSeconds { get; set; } = firstSeenSeconds;

    public long VmHwmBytes { get; set; }
}
