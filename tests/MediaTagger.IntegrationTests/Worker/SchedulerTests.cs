using System.Diagnostics;
using System.Text.Json.Nodes;
using MediaTagger.Core.Journal;
using MediaTagger.IntegrationTests.Support;

namespace MediaTagger.IntegrationTests.Worker;

/// <summary>
/// The stage scheduler and its model hosts as a user meets them: real `tag` and `run` processes, each model in its own
/// `model-host` child, hosts killed and frozen the way the OOM killer or a stuck driver would do it.
/// </summary>
public sealed class SchedulerTests
{
    private const string AllModels = """[ { "stage": "probe" }, { "stage": "imagenet" }, { "stage": "faces" }, { "stage": "ocr" } ]""";
    private const string OcrPipeline = """[ { "stage": "probe" }, { "stage": "ocr" } ]""";
    private const string ImageNetPipeline = """[ { "stage": "probe" }, { "stage": "imagenet" } ]""";
    private static readonly string[] SharedImages = ["chelsea", "astronaut", "ocr_line", "page", "text", "camera"];

    private static void RequireEngines()
    {
        TestAssets.RequireNative("onnxruntime");
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffprobe");
        _ = TestAssets.Model("imagenet/mobilenetv2-12-int8.onnx");
        _ = TestAssets.Model("face/version-RFB-320.onnx");
        _ = TestAssets.Model("ocr/ch_PP-OCRv4_det_infer.onnx");
        _ = TestAssets.Model("ocr/ch_PP-OCRv4_rec_infer.onnx");
        _ = TestAssets.Model("ocr/ch_ppocr_mobile_v2.0_cls_infer.onnx");
        _ = TestAssets.Model("ocr/ppocr_keys_v1.txt");
        foreach (var name in SharedImages)
        {
            _ = TestAssets.Media($"images/{name}.png");
        }
    }

    [SkippableFact]
    public void A_mixed_batch_loads_each_model_once_not_once_per_file_and_stage()
    {
        RequireEngines();
        _ = TestAssets.Media("audio/jfk.wav");
        using var box = new WorkerSandbox(AllModels);
        var images = CopyImages(box.Inbox, 60);
        var speech = Enumerable.Range(0, 20).Select(i => TagTests.Copy(TestAssets.Media("audio/jfk.wav"), box.Inbox, $"speech{i:D2}.wav")).ToArray();

        var result = CliRunner.Run(null, TimeSpan.FromMinutes(3), "tag", "--config", box.ConfigPath, "--set", "worker:batchSize=16", box.Inbox);

        result.ExitCode.Should().Be(0, result.Stdout + result.Stderr);
        foreach (var image in images)
        {
            var sidecar = WorkerSandbox.Sidecar(image)!;
            sidecar["status"]!.GetValue<string>().Should().Be("complete", image);
            foreach (var stage in new[] { "probe", "imagenet", "faces", "ocr" })
            {
                sidecar["stages"]![stage]!["status"]!.GetValue<string>().Should().Be("done", $"{stage} of {image}");
            }
        }

        foreach (var audio in speech)
        {
            var sidecar = WorkerSandbox.Sidecar(audio)!;
            sidecar["status"]!.GetValue<string>().Should().Be("complete", audio);
            sidecar["stages"]!.AsObject().Select(p => p.Key).Should().Equal(new[] { "probe" }, "audio has no model stage in this pipeline");
        }

        var models = Status(box)["models"]!.AsArray();
        models.Select(m => (m!["modelId"]!.GetValue<string>(), m["loads"]!.GetValue<int>()))
            .Should().BeEquivalentTo(new[] { ("mobilenetv2-int8", 1), ("ultraface-rfb-320", 1), ("ppocr-v4", 1) },
                "60 images x 3 model stages in batches of 16 cost one load per model, not one per file or per batch");
    }

    [SkippableFact]
    public void A_model_host_killed_with_kill_9_mid_batch_costs_only_that_batch_a_retry()
    {
        RequireEngines();
        ModelHostProcesses.RequireProc();
        using var box = new WorkerSandbox(OcrPipeline);
        var images = CopyImages(box.Inbox, 40);
        using var worker = box.StartTag("--set", "worker:batchSize=8", "--set", "worker:retryDelaySeconds=0.2", box.Inbox);
        int? host = null;
        try
        {
            host = WaitForHostInBatch(worker, box, "ocr", "ppocr-v4");
            ModelHostProcesses.Signal(host.Value, "KILL");

            worker.WaitForExit(TimeSpan.FromMinutes(3)).Should().BeTrue("tag finishes after the host's death; output:\n" + worker.Output);
        }
        finally
        {
            ModelHostProcesses.KillIfLeft(host);
        }

        worker.ExitCode.Should().Be(0, worker.Output);
        worker.Output.Should().Contain($"model host for stage ocr (pid {host}) killed by signal 9");
        ShouldAllBeComplete(images);
        var tasks = TasksOf(box, images);
        tasks.Should().OnlyContain(t => t.State == TaskState.Done);
        var retried = tasks.Where(t => t.Attempts > 1).ToArray();
        retried.Should().NotBeEmpty("the batch in flight at the kill runs again")
            .And.HaveCountLessThanOrEqualTo(8, "only the one batch in flight (batchSize 8) failed")
            .And.OnlyContain(t => t.Stage == "ocr" && t.Attempts == 2 && t.Error!.Contains("killed by signal 9", StringComparison.Ordinal));
        Loads(box, "ppocr-v4").Should().Be(2, "the next batch started a new host");
    }

    [SkippableFact]
    public void A_frozen_model_host_is_killed_after_the_heartbeat_limit_and_its_batch_retries()
    {
        RequireEngines();
        ModelHostProcesses.RequireProc();
        using var box = new WorkerSandbox(OcrPipeline);
        var images = CopyImages(box.Inbox, 40);
        using var worker = box.StartTag("--set", "worker:batchSize=8", "--set", "worker:retryDelaySeconds=0.2", "--set", "worker:hostHeartbeatSeconds=3", box.Inbox);
        int? host = null;
        try
        {
            var frozen = WaitForHostInBatch(worker, box, "ocr", "ppocr-v4");
            host = frozen;
            ModelHostProcesses.Signal(frozen, "STOP");

            worker.WaitForExit(TimeSpan.FromMinutes(3)).Should().BeTrue("tag finishes after the frozen host is killed; output:\n" + worker.Output);
            WaitUntil(() => !ModelHostProcesses.Exists(frozen), TimeSpan.FromSeconds(10), () => $"the frozen host {frozen} still exists; output:\n" + worker.Output);
        }
        finally
        {
            ModelHostProcesses.KillIfLeft(host);
        }

        worker.ExitCode.Should().Be(0, worker.Output);
        worker.Output.Should().Contain($"model host for stage ocr (pid {host}) sent nothing for").And.Contain("hung and was killed");
        ShouldAllBeComplete(images);
        var retried = TasksOf(box, images).Where(t => t.Attempts > 1).ToArray();
        retried.Should().NotBeEmpty().And.HaveCountLessThanOrEqualTo(8).And.OnlyContain(t => t.Stage == "ocr" && t.Attempts == 2);
        Loads(box, "ppocr-v4").Should().Be(2);
    }

    [SkippableFact]
    public void A_model_host_killed_while_it_loads_costs_its_batch_a_retry_not_a_failed_file()
    {
        RequireEngines();
        ModelHostProcesses.RequireProc();
        using var box = new WorkerSandbox(ImageNetPipeline);
        var images = CopyImages(box.Inbox, 6);
        using var worker = box.StartTag("--set", "worker:retryDelaySeconds=0.2", box.Inbox);
        int? host = null;
        try
        {
            // Caught as soon as it exists: starting the runtime and loading the model take far longer than this poll.
            host = WaitFor(() => ModelHostProcesses.Find(worker.Id, "imagenet"), TimeSpan.FromSeconds(60), "an imagenet model host", () => worker.Output, pollMs: 5);
            ModelHostProcesses.Signal(host.Value, "KILL");

            worker.WaitForExit(TimeSpan.FromMinutes(2)).Should().BeTrue("tag finishes; output:\n" + worker.Output);
        }
        finally
        {
            ModelHostProcesses.KillIfLeft(host);
        }

        worker.ExitCode.Should().Be(0, "a host that dies while loading is a host death, not a missing model; output:\n" + worker.Output);
        worker.Output.Should().Contain($"model host for stage imagenet (pid {host}) killed by signal 9").And.NotContain("One or more errors occurred");
        ShouldAllBeComplete(images);
        TasksOf(box, images).Where(t => t.Stage == "imagenet").Should().OnlyContain(t => t.Attempts == 2, "the one batch retried in a new host");
        using var journal = new SqliteJournal(box.JournalPath);
        journal.GetStatus().RecentModelEvents.Where(e => e.Kind == ModelEventKind.Load).Should().ContainSingle("the killed host never said ready")
            .Which.Note.Should().NotContain($"host pid {host}");
    }

    [SkippableFact]
    public void A_model_that_loads_for_longer_than_the_heartbeat_limit_is_not_killed_as_hung()
    {
        RequireEngines();
        ModelHostProcesses.RequireProc();
        using var box = new WorkerSandbox(ImageNetPipeline);
        var images = CopyImages(box.Inbox, 3);
        using var worker = box.StartTag("--set", "worker:hostHeartbeatSeconds=2", box.Inbox);
        int? host = null;
        try
        {
            // A slow load (a big model, a slow disk), made certain: the host is paused for twice the heartbeat limit
            // before it can say ready.
            host = WaitFor(() => ModelHostProcesses.Find(worker.Id, "imagenet"), TimeSpan.FromSeconds(60), "an imagenet model host", () => worker.Output, pollMs: 5);
            ModelHostProcesses.Signal(host.Value, "STOP");
            Thread.Sleep(TimeSpan.FromSeconds(4));
            if (ModelHostProcesses.Exists(host.Value))
            {
                ModelHostProcesses.Signal(host.Value, "CONT"); // (gone already when the watchdog took the pause for a hang)
            }

            worker.WaitForExit(TimeSpan.FromMinutes(2)).Should().BeTrue("tag finishes; output:\n" + worker.Output);
        }
        finally
        {
            ModelHostProcesses.KillIfLeft(host);
        }

        worker.ExitCode.Should().Be(0, worker.Output);
        worker.Output.Should().NotContain("hung and was killed", "loading is bounded by worker:hostLoadSeconds; heartbeats start once the model is loaded");
        ShouldAllBeComplete(images);
        TasksOf(box, images).Should().OnlyContain(t => t.Attempts == 1);
        using var journal = new SqliteJournal(box.JournalPath);
        journal.GetStatus().RecentModelEvents.Should().ContainSingle(e => e.Kind == ModelEventKind.Load)
            .Which.Note.Should().Contain($"host pid {host}", "the paused host is the one that loaded the model");
    }

    [SkippableFact]
    public void A_model_over_the_memory_budget_is_refused_with_the_numbers_and_never_loaded()
    {
        RequireEngines();
        using var box = new WorkerSandbox(ImageNetPipeline);
        var cat = TagTests.Copy(TestAssets.Media("images/chelsea.png"), box.Inbox, "chelsea.png");

        var result = CliRunner.Run(null, "tag", "--config", box.ConfigPath, "--set", "worker:profile=1MB", box.Inbox);

        result.ExitCode.Should().Be(2, "a file whose stage failed makes tag exit 2; output: " + result.Stdout + result.Stderr);
        var sidecar = WorkerSandbox.Sidecar(cat)!;
        sidecar["status"]!.GetValue<string>().Should().Be("partial");
        var imagenet = sidecar["stages"]!["imagenet"]!;
        imagenet["status"]!.GetValue<string>().Should().Be("failed");
        imagenet["attempts"]!.GetValue<int>().Should().Be(1, "a refusal is final: retrying cannot make the model fit");
        var error = imagenet["error"]!.GetValue<string>();
        error.Should().Contain("mobilenetv2-int8").And.Contain("MiB").And.Contain("allows 1 MiB").And.Contain("worker:profile");
        sidecar["errors"]!.AsArray().Should().ContainSingle(e => e!["stage"]!.GetValue<string>() == "imagenet")
            .Which!["message"]!.GetValue<string>().Should().Be(error);

        var status = Status(box);
        status["models"]!.AsArray().Should().NotContain(m => m!["modelId"]!.GetValue<string>() == "mobilenetv2-int8", "a refused model is never loaded");
        status["recentModelEvents"]!.AsArray().Should().BeEmpty();
    }

    [SkippableFact]
    public void Tag_with_model_hosts_gets_the_right_answers_on_real_media()
    {
        RequireEngines();
        using var box = new WorkerSandbox(AllModels);
        var cat = TagTests.Copy(TestAssets.Media("images/chelsea.png"), box.Inbox, "chelsea.png");
        var astronaut = TagTests.Copy(TestAssets.Media("images/astronaut.png"), box.Inbox, "astronaut.png");
        var line = TagTests.Copy(TestAssets.Media("images/ocr_line.png"), box.Inbox, "ocr_line.png");

        var result = CliRunner.Run(null, TimeSpan.FromMinutes(2), "tag", "--config", box.ConfigPath, box.Inbox);

        result.ExitCode.Should().Be(0, result.Stdout + result.Stderr);
        var labels = WorkerSandbox.Sidecar(cat)!["stages"]!["imagenet"]!["labels"]!.AsArray().Select(l => l!["label"]!.GetValue<string>()).ToArray();
        labels.Should().Contain(l => l.Contains("cat", StringComparison.Ordinal), string.Join(", ", labels));
        var faces = WorkerSandbox.Sidecar(astronaut)!["stages"]!["faces"]!;
        faces["count"]!.GetValue<int>().Should().Be(1, faces.ToJsonString());
        var ocr = WorkerSandbox.Sidecar(line)!["stages"]!["ocr"]!;
        ocr["text"]!.GetValue<string>().Should().Contain("Region-based segmentation");
        ocr["model"]!["id"]!.GetValue<string>().Should().Be("ppocr-v4");

        var loads = Status(box)["recentModelEvents"]!.AsArray().Where(e => e!["kind"]!.GetValue<string>() == "Load").ToArray();
        loads.Should().HaveCount(3).And.OnlyContain(e => e!["note"]!.GetValue<string>().Contains("host pid", StringComparison.Ordinal),
            "with worker:isolation=process (the default) every model ran in its own host");
    }

    [SkippableFact]
    public void A_model_idle_for_the_ttl_is_unloaded_and_its_host_process_exits()
    {
        RequireEngines();
        ModelHostProcesses.RequireProc();
        using var box = new WorkerSandbox(ImageNetPipeline, stableWindowSeconds: 0.3);
        using var worker = box.StartRun("--set", "worker:modelIdleSeconds=8");
        WaitUntil(() => Ps(box) is not null, TimeSpan.FromSeconds(60), () => worker.Output);
        var cat = TagTests.Copy(TestAssets.Media("images/chelsea.png"), box.Inbox, "chelsea.png");

        // After the file is processed the model stays resident, in a live host, for the idle TTL...
        var host = WaitFor(() =>
            {
                var processed = File.Exists(WorkerSandbox.SidecarPathOf(cat));
                var resident = Ps(box)?["resident"]?.AsArray().SingleOrDefault(r => r!["stage"]!.GetValue<string>() == "imagenet");
                var pid = resident?["hostPid"]?.GetValue<int?>();
                return processed && pid is { } p && ModelHostProcesses.Exists(p) ? pid : null;
            }, TimeSpan.FromSeconds(60), "ps to show the imagenet model resident in a live host after the file was processed", () => worker.Output, pollMs: 50);
        WorkerSandbox.Sidecar(cat)!["status"]!.GetValue<string>().Should().Be("complete");

        // ...then it is unloaded, and unloading is the host's exit: all its memory goes back to the system.
        WaitUntil(() => Ps(box)?["resident"]?.AsArray().Count == 0, TimeSpan.FromSeconds(30), () => "still resident; worker output:\n" + worker.Output);
        WaitUntil(() => !ModelHostProcesses.Exists(host), TimeSpan.FromSeconds(10), () => $"host {host} still exists after its model was unloaded");
        Status(box)["recentModelEvents"]!.AsArray().Select(e => e!["note"]!.GetValue<string>())
            .Should().Contain(n => n.Contains("idle for 8 s", StringComparison.Ordinal), "the unload says why");
        worker.Terminate(TimeSpan.FromSeconds(30)).Should().BeTrue("SIGTERM stops the worker gracefully");
    }

    /// <summary>Waits until the stage's host has said ready (its load is journaled) and a batch of it is running, then returns the host's pid.</summary>
    private static int WaitForHostInBatch(WorkerProcess worker, WorkerSandbox box, string stage, string modelId)
    {
        var journal = new LiveJournal(box.JournalPath);
        return WaitFor(
            () => journal.Loads(modelId) > 0 && journal.RunningTasks(stage) > 0 ? ModelHostProcesses.Find(worker.Id, stage) : null,
            TimeSpan.FromSeconds(90), $"a {stage} batch running in a loaded model host", () => worker.Output, pollMs: 20);
    }

    /// <summary>Copies of the shared images under distinct names, cycling through all six.</summary>
    private static string[] CopyImages(string folder, int count) => Enumerable.Range(0, count)
        .Select(i => TagTests.Copy(TestAssets.Media($"images/{SharedImages[i % SharedImages.Length]}.png"), folder, $"img{i:D3}_{SharedImages[i % SharedImages.Length]}.png"))
        .ToArray();

    private static void ShouldAllBeComplete(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            var sidecar = WorkerSandbox.Sidecar(file);
            sidecar.Should().NotBeNull(file);
            sidecar!["status"]!.GetValue<string>().Should().Be("complete", sidecar.ToJsonString());
        }
    }

    private static TaskRecord[] TasksOf(WorkerSandbox box, IEnumerable<string> files)
    {
        using var journal = new SqliteJournal(box.JournalPath);
        return files.Select(f => journal.GetItem(f)!).SelectMany(item => journal.TasksOf(item.Id)).ToArray();
    }

    private static int Loads(WorkerSandbox box, string modelId)
    {
        using var journal = new SqliteJournal(box.JournalPath);
        return journal.GetStatus().Models.Where(m => m.ModelId == modelId).Sum(m => m.Loads);
    }

    private static JsonObject Status(WorkerSandbox box)
    {
        var status = CliRunner.Run(null, "status", "--config", box.ConfigPath, "--json");
        status.ExitCode.Should().Be(0, status.Stderr);
        return JsonNode.Parse(status.Stdout)!.AsObject();
    }

    /// <summary>`ps --json`: the running worker's scheduler snapshot, or null when none runs.</summary>
    private static JsonObject? Ps(WorkerSandbox box)
    {
        var ps = CliRunner.Run(null, "ps", "--config", box.ConfigPath, "--json");
        ps.ExitCode.Should().Be(0, ps.Stderr);
        return JsonNode.Parse(ps.Stdout) as JsonObject;
    }

    private static int WaitFor(Func<int?> probe, TimeSpan timeout, string what, Func<string> diagnostics, int pollMs)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"no {what} within {timeout}; worker output:\n{diagnostics()}");
            }

            Thread.Sleep(pollMs);
        }
    }

    private static void WaitUntil(Func<bool> condition, TimeSpan timeout, Func<string> diagnostics) =>
        WaitFor(() => condition() ? 1 : null, timeout, "success", diagnostics, pollMs: 100);
}
