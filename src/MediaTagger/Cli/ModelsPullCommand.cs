using System.CommandLine;
using System.Globalization;
using MediaTagger.Core.Models;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Cli;

/// <summary>`models pull ID... | --pipeline NAME`: download (or import from the mirror) and verify.</summary>
internal static partial class ModelsCommand
{
    private static Command Pull(Option<string> config, Option<string[]> set)
    {
        var ids = new Argument<string[]>("id") { Description = "Catalog ids, for example mobilenetv2-int8 whisper-base", Arity = ArgumentArity.ZeroOrMore };
        var pipeline = new Option<string>("--pipeline") { Description = "Also every model the stages of this pipeline (in --config) use" };
        var pull = new Command("pull", "Download (or import from the mirror) and verify models; resumes a cut download");
        pull.Arguments.Add(ids);
        pull.Options.Add(pipeline);
        pull.SetAction(async (parse, ct) =>
        {
            var (catalog, store) = Open();
            var wanted = (parse.GetValue(ids) ?? []).ToList();
            if (parse.GetValue(pipeline) is { } name)
            {
                var read = PipelineModels.Read(parse.GetValue(config)!, parse.GetValue(set)!, name);
                if (read is null)
                {
                    return 1;
                }

                foreach (var problem in read.Stages.Where(s => s.Problem is not null))
                {
                    Console.Error.WriteLine($"{problem.UsedBy}: {problem.Problem}");
                }

                wanted.AddRange(read.Stages.Where(s => s.Model is not null).Select(s => s.Model!.Id));
            }

            if (wanted.Count == 0)
            {
                Console.Error.WriteLine("name the models to pull (mediatagger models pull ID...) or a pipeline (--pipeline default)");
                return 1;
            }

            var models = Lookup(catalog, wanted);
            if (models is null)
            {
                return 1;
            }

            return await PullAsync(models, store, ct).ConfigureAwait(false);
        });
        return pull;
    }

    private static async Task<int> PullAsync(IReadOnlyList<ModelEntry> models, ModelStore store, CancellationToken ct)
    {
        using var loggers = LoggerFactory.Create(b => b
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(LogLevel.Warning));
        using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30), AutomaticDecompression = System.Net.DecompressionMethods.None };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("mediatagger/" + (typeof(ModelsCommand).Assembly.GetName().Version?.ToString(3) ?? "0"));
        var downloader = new ModelDownloader(http, store, TimeProvider.System, loggers.CreateLogger("MediaTagger.Models"), new ModelDownloadOptions());
        var progress = new ProgressLine();
        var failed = 0;
        foreach (var model in models)
        {
            try
            {
                var files = await downloader.PullFilesAsync(model, progress, ct).ConfigureAwait(false);
                progress.End();
                foreach (var f in files)
                {
                    var how = f.Source switch
                    {
                        PullSource.AlreadyInstalled => "already installed",
                        PullSource.Mirror => "imported from the mirror",
                        _ => "downloaded",
                    };
                    Console.WriteLine($"{model.Id} {f.File.Role}: {f.Path} ({how}, {ModelChecksum.Name(f.File.ChecksumKind)} verified)");
                }
            }
            catch (Exception ex) when (ex is ModelDownloadException or ModelChecksumMismatchException or IOException or UnauthorizedAccessException)
            {
                progress.End();
                failed++;
                Console.Error.WriteLine($"{model.Id}: {ex.Message}");
            }
        }

        if (failed > 0)
        {
            Console.Error.WriteLine($"{failed} of {models.Count} model(s) not installed");
        }

        return failed > 0 ? 1 : 0;
    }

    /// <summary>
    /// Download progress on stderr: rewritten in place on a terminal (the downloader reports at most once a second);
    /// redirected (a log, CI), one line per tenth of the file (per 100 MB when the size is unknown) and the last one, so a
    /// log is not flooded. Synchronous, so lines never arrive out of order.
    /// </summary>
    private sealed class ProgressLine : IProgress<DownloadProgress>
    {
        private const long UnknownSizeStep = 100L << 20;
        private readonly bool terminal = !Console.IsErrorRedirected;
        private bool open;
        private string? file;
        private long lastStep = -1;

        public void Report(DownloadProgress value)
        {
            var percent = value.Percent is { } p ? string.Create(CultureInfo.InvariantCulture, $" ({p:0}%)") : "";
            var line = string.Create(CultureInfo.InvariantCulture,
                $"  {value.File}: {Mb(value.Received)} of {(value.Total > 0 ? Mb(value.Total) : "?")}{percent}, {value.BytesPerSecond / 1048576.0:0.0} MB/s");
            if (terminal)
            {
                Console.Error.Write("\r" + line.PadRight(79));
                open = true;
                return;
            }

            if (!string.Equals(file, value.File, StringComparison.Ordinal))
            {
                (file, lastStep) = (value.File, -1);
            }

            var step = value.Percent is { } q ? (long)(q / 10) : value.Received / UnknownSizeStep;
            var done = value.Total > 0 && value.Received >= value.Total;
            if (step > lastStep || (done && lastStep < long.MaxValue))
            {
                Console.Error.WriteLine(line);
                lastStep = done ? long.MaxValue : step;
            }
        }

        public void End()
        {
            if (open)
            {
                Console.Error.WriteLine();
                open = false;
            }
        }
    }
}
