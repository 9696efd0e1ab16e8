using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MediaTagger.Tests.Models;

/// <summary>
/// A tiny HTTP/1.1 file server on 127.0.0.1 for download tests (no network beyond this machine): serves one file at
/// <see cref="Path"/> (404 elsewhere), honours "Range: bytes=N-" unless told to ignore it, and can cut its first
/// responses after some body bytes (the connection closed with the declared length unsent). Records each request's Range.
/// Also compiled into the integration tests (linked), where the real CLI downloads from it.
/// </summary>
internal sealed class LoopbackFileServer : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly List<string?> ranges = [];
    private readonly Task loop;
    private int cuts;

    public LoopbackFileServer(byte[] content, string path = "/files/model.bin")
    {
        Content = content;
        Path = path;
        listener.Start();
        loop = Task.Run(AcceptAsync);
    }

    public byte[] Content { get; set; }

    public string Path { get; }

    public Uri Url => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}{Path}"));

    /// <summary>Answer every request with the whole file (200), as a server without range support does.</summary>
    public bool IgnoreRange { get; set; }

    /// <summary>How many of the next responses are cut after <see cref="CutAfterBytes"/> body bytes.</summary>
    public int CutResponses
    {
        get => Volatile.Read(ref cuts);
        set => Volatile.Write(ref cuts, value);
    }

    public int CutAfterBytes { get; set; } = 1000;

    /// <summary>The Range header of each request received for the file (null when it had none), in order.</summary>
    public IReadOnlyList<string?> Ranges
    {
        get
        {
            lock (ranges)
            {
                return ranges.ToArray();
            }
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The accept loop ends with the listener.
        }

        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var (path, range) = await ReadRequestAsync(stream).ConfigureAwait(false);
                if (path != Path)
                {
                    await WriteAsync(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found").ConfigureAwait(false);
                    return;
                }

                lock (ranges)
                {
                    ranges.Add(range);
                }

                var content = Content;
                long from = 0;
                if (!IgnoreRange && range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
                {
                    from = long.Parse(range["bytes=".Length..^1], CultureInfo.InvariantCulture);
                }

                if (from >= content.Length && from > 0)
                {
                    await WriteAsync(stream, string.Create(CultureInfo.InvariantCulture,
                        $"HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{content.Length}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")).ConfigureAwait(false);
                    return;
                }

                var head = from > 0
                    ? string.Create(CultureInfo.InvariantCulture,
                        $"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {from}-{content.Length - 1}/{content.Length}\r\nContent-Length: {content.Length - from}\r\n")
                    : string.Create(CultureInfo.InvariantCulture, $"HTTP/1.1 200 OK\r\nContent-Length: {content.Length}\r\n");
                await WriteAsync(stream, head + "Accept-Ranges: " + (IgnoreRange ? "none" : "bytes") + "\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n").ConfigureAwait(false);
                var body = content.AsMemory((int)from);
                if (Interlocked.Decrement(ref cuts) >= 0)
                {
                    // The cut: part of the body, then the connection closes before the declared length.
                    await stream.WriteAsync(body[..Math.Min(CutAfterBytes, body.Length)]).ConfigureAwait(false);
                    await stream.FlushAsync().ConfigureAwait(false);
                    client.Client.Shutdown(SocketShutdown.Both);
                    return;
                }

                Interlocked.Exchange(ref cuts, 0);
                await stream.WriteAsync(body).ConfigureAwait(false);
                await stream.FlushAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                // The client went away.
            }
        }
    }

    private static async Task<(string Path, string? Range)> ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new byte[8192];
        var length = 0;
        while (true)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length)).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("the client closed before sending its request");
            }

            length += read;
            var text = Encoding.ASCII.GetString(buffer, 0, length);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                continue;
            }

            var lines = text[..end].Split("\r\n");
            var path = lines[0].Split(' ')[1];
            var range = lines.Skip(1)
                .Select(l => l.Split(':', 2))
                .Where(p => p.Length == 2 && p[0].Trim().Equals("Range", StringComparison.OrdinalIgnoreCase))
                .Select(p => p[1].Trim())
                .FirstOrDefault();
            return (path, range);
        }
    }

    private static async Task WriteAsync(NetworkStream stream, string text)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text)).ConfigureAwait(false);
        await stream.FlushAsync().ConfigureAwait(false);
    }
}
