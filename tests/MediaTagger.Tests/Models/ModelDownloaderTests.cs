using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using MediaTagger.Core.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaTagger.Tests.Models;

/// <summary>Downloads against a file server on this machine's loopback: cuts, resumes, servers without ranges, bad files.</summary>
public sealed class ModelDownloaderTests : IDisposable
{
    private static readonly byte[] Weights = Seeded(200_000, seed: 7);
    private readonly string root = Directory.CreateTempSubdirectory("mt-download-").FullName;
    private readonly HttpClient http = new();

    public void Dispose()
    {
        http.Dispose();
        Directory.Delete(root, recursive: true);
    }

    private ModelStore Store => new(Path.Combine(root, "models"), null);

    private string Installed => Path.Combine(root, "models", "toy", "model.bin");

    private static byte[] Seeded(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static ModelEntry Entry(string url, byte[]? published = null)
    {
        var content = published ?? Weights;
        return new ModelEntry("toy", "test", "a toy", "MIT", ["cpu"], Heavy: false, TestOnly: true, new ModelFootprint(1000, 2, 25),
            [new ModelFile("model", "model.bin", url, Convert.ToHexStringLower(SHA256.HashData(content)), content.Length, null)]);
    }

    private ModelDownloader Downloader(int retries) =>
        new(http, Store, TimeProvider.System, NullLogger.Instance, new ModelDownloadOptions { MaxRetries = retries, FirstRetryDelay = TimeSpan.Zero });

    [Fact]
    public async Task A_download_cut_mid_body_is_kept_and_the_next_pull_resumes_it_with_a_range_and_installs_the_verified_file()
    {
        using var server = new LoopbackFileServer(Weights) { CutResponses = 1, CutAfterBytes = 70_000 };
        var entry = Entry(server.Url.ToString());

        var first = () => Downloader(retries: 0).PullFilesAsync(entry, null, CancellationToken.None);

        var failure = (await first.Should().ThrowAsync<ModelDownloadException>()).Which;
        failure.Message.Should().Contain("run the same command again to resume");
        File.Exists(Installed).Should().BeFalse("a partial file is never installed");
        var kept = new FileInfo(Installed + ".part").Length;
        kept.Should().BeGreaterThan(0).And.BeLessThan(Weights.Length);

        var pulled = await Downloader(retries: 0).PullFilesAsync(entry, null, CancellationToken.None);

        pulled.Should().ContainSingle().Which.Source.Should().Be(PullSource.Download);
        server.Ranges.Should().Equal(null, $"bytes={kept}-");
        File.ReadAllBytes(Installed).Should().Equal(Weights);
        File.Exists(Installed + ".part").Should().BeFalse();
    }

    [Fact]
    public async Task A_cut_is_resumed_by_the_next_attempt_of_the_same_pull_and_progress_reaches_the_whole_file()
    {
        using var server = new LoopbackFileServer(Weights) { CutResponses = 2, CutAfterBytes = 50_000 };
        var reports = new List<DownloadProgress>();

        await Downloader(retries: 3).PullFilesAsync(Entry(server.Url.ToString()), new SyncProgress(reports.Add), CancellationToken.None);

        server.Ranges.Should().Equal(null, "bytes=50000-", "bytes=100000-");
        File.ReadAllBytes(Installed).Should().Equal(Weights);
        reports.Should().NotBeEmpty();
        reports[^1].Received.Should().Be(Weights.Length);
        reports[^1].Percent.Should().Be(100);
    }

    [Fact]
    public async Task A_server_that_ignores_the_range_makes_the_download_start_over_cleanly()
    {
        using var server = new LoopbackFileServer(Weights) { CutResponses = 1, CutAfterBytes = 70_000 };
        var entry = Entry(server.Url.ToString());
        await FluentActions.Awaiting(() => Downloader(retries: 0).PullFilesAsync(entry, null, CancellationToken.None)).Should().ThrowAsync<ModelDownloadException>();
        server.IgnoreRange = true;

        await Downloader(retries: 0).PullFilesAsync(entry, null, CancellationToken.None);

        server.Ranges[1].Should().StartWith("bytes=", "the resume was asked for");
        File.ReadAllBytes(Installed).Should().Equal(Weights, "the whole answer replaced the part instead of being appended to it");
    }

    [Fact]
    public async Task A_file_with_the_wrong_checksum_is_rejected_and_nothing_is_installed()
    {
        using var server = new LoopbackFileServer(Seeded(1000, seed: 8));
        var entry = Entry(server.Url.ToString(), published: Weights[..1000]);

        var act = () => Downloader(retries: 0).PullFilesAsync(entry, null, CancellationToken.None);

        var failure = (await act.Should().ThrowAsync<ModelChecksumMismatchException>()).Which;
        failure.Message.Should().Contain(entry.Files[0].Checksum).And.Contain("discarded");
        File.Exists(Installed).Should().BeFalse();
        File.Exists(Installed + ".part").Should().BeFalse("a complete but wrong file cannot be resumed into the right one");
        Store.Resolve(entry, entry.Files[0]).Found.Should().BeFalse();
    }

    [Fact]
    public async Task A_404_is_a_clear_error_naming_the_file_and_the_status()
    {
        using var server = new LoopbackFileServer(Weights);
        var entry = Entry(new Uri(server.Url, "/elsewhere/model.bin").ToString());

        var act = () => Downloader(retries: 3).PullFilesAsync(entry, null, CancellationToken.None);

        var failure = (await act.Should().ThrowAsync<ModelDownloadException>()).Which;
        failure.Message.Should().Contain("model.bin").And.Contain("HTTP 404");
        failure.Offline.Should().BeFalse();
        server.Ranges.Should().BeEmpty("the file's own path was never asked for");
        File.Exists(Installed).Should().BeFalse();
    }

    [Fact]
    public async Task An_unreachable_source_says_how_to_install_offline()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var act = () => Downloader(retries: 0).PullFilesAsync(Entry($"http://127.0.0.1:{port}/model.bin"), null, CancellationToken.None);

        var failure = (await act.Should().ThrowAsync<ModelDownloadException>()).Which;
        failure.Offline.Should().BeTrue();
        failure.Message.Should().Contain("mediatagger models import DIR toy");
    }

    [Fact]
    public async Task An_import_only_file_is_not_downloaded_and_the_message_says_to_import_it()
    {
        var act = () => Downloader(retries: 0).PullFilesAsync(Entry(""), null, CancellationToken.None);

        var failure = (await act.Should().ThrowAsync<ModelDownloadException>()).Which;
        failure.Message.Should().Contain("no public download source").And.Contain("mediatagger models import DIR toy");
    }

    [Fact]
    public async Task Plain_http_to_another_host_is_refused()
    {
        var act = () => Downloader(retries: 0).PullFilesAsync(Entry("http://example.invalid/model.bin"), null, CancellationToken.None);

        (await act.Should().ThrowAsync<ModelDownloadException>()).Which.Message.Should().Contain("only https");
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}
