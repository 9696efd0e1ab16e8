using System.Diagnostics;

namespace MediaTagger.IntegrationTests.Support;

/// <summary>Waiting on a real process's effects (files appearing, a journal changing) without fixed sleeps.</summary>
public static class Poll
{
    /// <summary>Polls <paramref name="condition"/> until true; on timeout, throws with <paramref name="diagnostics"/> (the worker's output).</summary>
    public static void Until(Func<bool> condition, TimeSpan timeout, Func<string> diagnostics, int pollMs = 100)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"condition not met in {timeout.TotalSeconds:0} s; worker output:\n{diagnostics()}");
            }

            Thread.Sleep(pollMs);
        }
    }
}
