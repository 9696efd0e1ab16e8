using System.Diagnostics;

namespace MediaTagger.IntegrationTests.Support;

/// <summary>Runs the real mediatagger executable (copied beside the tests) as a user would.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>`dotnet mediatagger.dll ARGS` from the repository root, output redirected.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TestAssets.RepoRoot,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mediatagger.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    public static Result Run(IReadOnlyDictionary<string, string>? environment, params string[] args) => Run(environment, TimeSpan.FromSeconds(120), args);

    public static Result Run(IReadOnlyDictionary<string, string>? environment, TimeSpan timeout, params string[] args)
    {
        var psi = StartInfo(args);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("mediatagger " + string.Join(" ", args) + $" did not finish in {timeout.TotalSeconds} s");
        }

        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
