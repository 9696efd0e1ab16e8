using System.Diagnostics;
using MediaTagger.IntegrationTests.Support;

namespace MediaTagger.IntegrationTests.Setup;

/// <summary>
/// eng/setup-native.sh, run for real with stand-in tools first on PATH (an npm that records each call or fails
/// as the registry would, an `id` that says "not root"), so the offline, tamper and permission paths are
/// exercised without a network.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SetupNativeTests : IDisposable
{
    private readonly string temp = Directory.CreateTempSubdirectory("mt-setup-").FullName;
    private readonly string fakeBin;

    public SetupNativeTests()
    {
        fakeBin = Path.Combine(temp, "bin");
        Directory.CreateDirectory(fakeBin);
    }

    public void Dispose() => Directory.Delete(temp, recursive: true);

    [SkippableFact]
    public void A_second_run_downloads_nothing()
    {
        var native = TestAssets.RequireNative("onnxruntime");
        Fake("npm", $"echo called >> '{temp}/npm-calls'; exit 1");

        var result = RunSetup(Path.GetDirectoryName(native)!);

        result.ExitCode.Should().Be(0, result.Stderr);
        result.Stderr.Should().Contain("native engines ready");
        File.Exists(Path.Combine(temp, "npm-calls")).Should().BeFalse("everything is cached and stamped");
    }

    [SkippableFact]
    public void A_tarball_with_the_wrong_checksum_is_refused_and_discarded()
    {
        RequirePackagesInstalled();
        Fake("npm", "echo 'not a real package' > onnxruntime-node-1.30.0.tgz; echo onnxruntime-node-1.30.0.tgz");

        var result = RunSetup(Path.Combine(temp, "native"));

        result.ExitCode.Should().NotBe(0);
        result.Stderr.Should().Contain("checksum mismatch for onnxruntime-node@1.30.0").And.Contain("6e3390d6b783e7be946fad629292799da28d0b42f84856e50d2c1b0383291e75");
        Directory.EnumerateFiles(Path.Combine(temp, "native", "cache"), "*.tgz", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [SkippableFact]
    public void No_network_says_so_and_how_to_work_offline()
    {
        RequirePackagesInstalled();
        Fake("npm", "echo 'npm error code ENOTFOUND' >&2; echo 'npm error network request failed' >&2; exit 1");

        var result = RunSetup(Path.Combine(temp, "native"));

        result.ExitCode.Should().NotBe(0);
        result.Stderr.Should().Contain("no network").And.Contain("place the tarball at");
    }

    [SkippableFact]
    public void Not_root_with_libraries_missing_prints_the_apt_command()
    {
        TestAssets.RequireTool("bash");
        Fake("id", "echo 1000");
        Fake("dpkg-query", "exit 1");
        Fake("sudo", "exit 1");

        var result = RunSetup(Path.Combine(temp, "native"));

        result.ExitCode.Should().NotBe(0);
        result.Stderr.Should().Contain("Not running as root").And.Contain("apt-get install -y --no-install-recommends libvips42 ffmpeg libsqlite3-0");
    }

    [SkippableFact]
    public void Asking_for_the_cuda_build_without_nvcc_stops_with_the_reason()
    {
        var native = TestAssets.RequireNative("whisper");
        if (OnPath("nvcc") || File.Exists("/usr/local/cuda/bin/nvcc"))
        {
            throw new SkipException("nvcc is installed here: this test is about a machine without it");
        }

        var result = RunSetup(Path.GetDirectoryName(native)!, ("MEDIATAGGER_WHISPER_CUDA", "1"), ("CUDA_HOME", Path.Combine(temp, "no-cuda")));

        result.ExitCode.Should().NotBe(0);
        result.Stderr.Should().Contain("MEDIATAGGER_WHISPER_CUDA=1 but nvcc was not found").And.Contain("install the CUDA toolkit or set CUDA_HOME");
    }

    [SkippableFact]
    public void With_nvcc_and_a_gpu_the_cuda_build_can_be_turned_off_and_a_wrong_setting_is_refused()
    {
        var native = TestAssets.RequireNative("whisper");
        Fake("nvcc", "echo 'Cuda compilation tools, release 13.0, V13.0.48'");
        Fake("nvidia-smi", "echo 'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0)'");

        var off = RunSetup(Path.GetDirectoryName(native)!, ("MEDIATAGGER_WHISPER_CUDA", "0"));
        var wrong = RunSetup(Path.GetDirectoryName(native)!, ("MEDIATAGGER_WHISPER_CUDA", "yes"));

        off.ExitCode.Should().Be(0, off.Stderr);
        off.Stderr.Should().NotContain("CUDA variant").And.Contain("native engines ready");
        wrong.ExitCode.Should().NotBe(0);
        wrong.Stderr.Should().Contain("MEDIATAGGER_WHISPER_CUDA must be 1 (build the CUDA variant), 0 (never) or unset");
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, tool)));

    private static void RequirePackagesInstalled()
    {
        TestAssets.RequireVips();
        TestAssets.RequireTool("ffmpeg");
    }

    private void Fake(string tool, string body)
    {
        var path = Path.Combine(fakeBin, tool);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private CliRunner.Result RunSetup(string nativeDir, params (string Name, string Value)[] environment)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(TestAssets.RepoRoot, "eng", "setup-native.sh"));
        psi.Environment["PATH"] = fakeBin + ":" + Environment.GetEnvironmentVariable("PATH");
        psi.Environment["MEDIATAGGER_NATIVE_DIR"] = nativeDir;
        foreach (var (name, value) in environment)
        {
            psi.Environment[name] = value;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("setup-native.sh did not finish in 120 s");
        }

        return new CliRunner.Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
