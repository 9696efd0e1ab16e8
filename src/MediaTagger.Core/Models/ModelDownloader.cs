using System.Net;
using System.Net.Http.Headers;

namespace MediaTagger.Core.Models;

/// <summary>Bytes received so far of one file.</summary>
public readonly record struct DownloadProgress(string File, long Received, long Total);

/// <summary>
/// Downloads catalog files from their public sources: resumable (a ".part" file continues with an HTTP range
/// request), verified by its catalog checksum (sha256, or sha1 where only that is published) before the file takes its final name, so a partial or wrong file is never used.
/// </summary>
public sealed class ModelDownloader
{
    private readonly HttpClient http;
    private readonly ModelStore store;

    public ModelDownloader(HttpClient http, ModelStore store)
    {
        this.http = http;
        this.store = store;
    }

    /// <summary>Installs every file of <paramref name="model"/> into the model folder; returns their paths by role.</summary>
    public async Task<IReadOnlyDictionary<string, string>> PullAsync(ModelEntry model, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in model.Files)
        {
            var resolved = store.Resolve(model, file);
            if (resolved.Found && resolved.Source == "model-folder")
            {
                result[file.Role] = resolved.Path!;
                continue;
            }

            var target = store.InstalledPath(model, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (resolved.Found)
            {
                // Import from the mirror: a verified local copy beats a download.
                File.Copy(resolved.Path!, target + ".part", overwrite: true);
            }
            else
            {
                await DownloadAsync(file, target + ".part", progress, cancellationToken).ConfigureAwait(false);
            }

            string sha;
            await using (var stream = File.OpenRead(target + ".part"))
            {
                sha = await ModelChecksum.ComputeAsync(stream, file.ChecksumKind, cancellationToken).ConfigureAwait(false);
            }

            if (!string.Equals(sha, file.Checksum, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(target + ".part");
                throw new InvalidDataException($"{file.Name} from {file.Url} has {ModelChecksum.Name(file.ChecksumKind)} {sha}, expected {file.Checksum}; the download was discarded");
            }

            File.Move(target + ".part", target, overwrite: true);
            result[file.Role] = target;
        }

        return result;
    }

    private async Task DownloadAsync(ModelFile file, string partPath, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var have = File.Exists(partPath) ? new FileInfo(partPath).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, file.Url);
        if (have > 0)
        {
            request.Headers.Range = new RangeHeaderValue(have, null);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return; // already complete; the checksum decides
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"downloading {file.Url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        var append = have > 0 && response.StatusCode == HttpStatusCode.PartialContent;
        if (!append)
        {
            have = 0;
        }

        var total = file.Size > 0 ? file.Size : (response.Content.Headers.ContentLength ?? 0) + have;
        await using var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var target = new FileStream(partPath, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        int read;
        var lastReport = 0L;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            have += read;
            if (have - lastReport >= 1 << 20)
            {
                progress?.Report(new DownloadProgress(file.Name, have, total));
                lastReport = have;
            }
        }

        progress?.Report(new DownloadProgress(file.Name, have, total));
    }
}
