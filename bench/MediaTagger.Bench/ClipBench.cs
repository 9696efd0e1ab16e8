using System.Diagnostics;
using System.Text.Json;
using MediaTagger.Native.Vips;
using MediaTagger.Stages.Clip;

/// <summary>
/// The clip stage's image work on a CLIP-sized model against raw ONNX Runtime runs on the same preprocessed tensors
/// (same session, same batches, rounds alternating), and CLIP preprocessing against the vipsthumbnail CLI.
/// </summary>
internal static class ClipBench
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static int Run(string model, string imagesDir, int count, int batch, int rounds, string output)
    {
        var distinct = Directory.GetFiles(imagesDir, "*.png").Order(StringComparer.Ordinal).ToArray();
        var files = Enumerable.Range(0, count).Select(i => distinct[i % distinct.Length]).ToArray();
        using var encoder = new ClipImageEncoder(model);
        var plane = 3 * encoder.Size * encoder.Size;
        var batches = files.Chunk(batch).ToArray();
        var tensors = batches.Select(b =>
        {
            var t = new float[b.Length * plane];
            for (var i = 0; i < b.Length; i++)
            {
                ClipPreprocessing.Write(ClipPreprocessing.Load(b[i], encoder.Size), encoder.Size, t.AsSpan(i * plane, plane));
            }

            return t;
        }).ToArray();

        // Warm-up: one batch each way (session arenas, JIT).
        encoder.Embed(batches[0]);
        encoder.RunTensor(tensors[0].AsMemory(), batches[0].Length);

        var pipeline = new List<double>();
        var raw = new List<double>();
        for (var r = 0; r < rounds; r++)
        {
            void Pipeline() => pipeline.Add(Seconds(() =>
            {
                foreach (var b in batches)
                {
                    encoder.Embed(b);
                }
            }));
            void Raw() => raw.Add(Seconds(() =>
            {
                for (var i = 0; i < batches.Length; i++)
                {
                    encoder.RunTensor(tensors[i].AsMemory(), batches[i].Length);
                }
            }));
            if (r % 2 == 0)
            {
                Pipeline();
                Raw();
            }
            else
            {
                Raw();
                Pipeline();
            }
        }

        var prepSequential = Median(Enumerable.Range(0, rounds).Select(_ => Seconds(() =>
        {
            foreach (var f in files)
            {
                ClipPreprocessing.Load(f, encoder.Size);
            }
        })));
        var prepParallel = Median(Enumerable.Range(0, rounds).Select(_ => Seconds(() =>
            Parallel.ForEach(files, f => ClipPreprocessing.Load(f, encoder.Size)))));
        var thumbnail = VipsThumbnail(files, rounds);

        var pipelineS = Median(pipeline);
        var rawS = Median(raw);
        var result = new
        {
            model = Path.GetFileName(model),
            images = count,
            distinctImages = distinct.Select(Path.GetFileName).ToArray(),
            batch,
            rounds,
            device = encoder.Device,
            pipelineImagesPerSecond = Math.Round(count / pipelineS, 2),
            rawOrtImagesPerSecond = Math.Round(count / rawS, 2),
            ratio = Math.Round(rawS / pipelineS, 3),
            preprocessSequentialImagesPerSecond = Math.Round(count / prepSequential, 1),
            preprocessParallelImagesPerSecond = Math.Round(count / prepParallel, 1),
            preprocessThreads = Environment.ProcessorCount,
            vipsthumbnailImagesPerSecond = thumbnail is { } t ? Math.Round(count / t, 1) : (double?)null,
            vipsthumbnail = thumbnail is null ? "vipsthumbnail not found (apt-get install libvips-tools)" : $"vipsthumbnail -s 224x224 -m centre -o %s.v, one process over the {count} files, libvips {Vips.Version}",
        };
        File.WriteAllText(output, JsonSerializer.Serialize(result, Indented));
        Console.WriteLine(File.ReadAllText(output));
        return 0;
    }

    /// <summary>The vipsthumbnail CLI over the same files in one process (median wall seconds), null when it is not installed.</summary>
    private static double? VipsThumbnail(string[] files, int rounds)
    {
        var folder = Directory.CreateTempSubdirectory("mt-bench-thumb-").FullName;
        try
        {
            var times = new List<double>();
            for (var r = 0; r < rounds; r++)
            {
                var psi = new ProcessStartInfo("vipsthumbnail") { UseShellExecute = false, RedirectStandardError = true };
                foreach (var a in new[] { "-s", "224x224", "-m", "centre", "-o", Path.Combine(folder, "%s.v") })
                {
                    psi.ArgumentList.Add(a);
                }

                foreach (var f in files)
                {
                    psi.ArgumentList.Add(f);
                }

                var start = Stopwatch.GetTimestamp();
                Process process;
                try
                {
                    process = Process.Start(psi)!;
                }
                catch (System.ComponentModel.Win32Exception)
                {
                    return null;
                }

                using (process)
                {
                    process.StandardError.ReadToEnd();
                    process.WaitForExit();
                    if (process.ExitCode != 0)
                    {
                        return null;
                    }
                }

                times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }

            return Median(times);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static double Seconds(Action action)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
