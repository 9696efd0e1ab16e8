namespace MediaTagger.Stages.Vad;

/// <summary>One stretch of speech, in samples from the start of the audio (end exclusive).</summary>
public readonly record struct SpeechSegment(long Start, long End)
{
    public long Length => End - Start;
}

/// <summary>The segmenter's settings in samples, from the stage's options in milliseconds and seconds.</summary>
public sealed record SpeechSegmenterSettings
{
    /// <summary>A window at or above this probability is speech.</summary>
    public float Threshold { get; init; } = 0.5f;

    /// <summary>Speech ends only once a window falls below this (hysteresis; below <see cref="Threshold"/>).</summary>
    public float NegThreshold { get; init; } = 0.35f;

    public int SampleRate { get; init; } = SileroVad.SampleRate;

    /// <summary>Samples per probability (Silero v5 at 16 kHz: 512).</summary>
    public int WindowSamples { get; init; } = SileroVad.WindowSamples;

    public TimeSpan MinSpeech { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MinSilence { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan SpeechPad { get; init; } = TimeSpan.FromMilliseconds(30);

    /// <summary>Longer speech is split at its last pause (or cut) so that, padding included, no segment is longer.</summary>
    public TimeSpan MaxSpeech { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Turns a stream of per-window speech probabilities into speech segments, as Silero's reference
/// get_speech_timestamps does: speech starts at the first window at or above the threshold and ends at the first
/// window below the negative threshold that is followed by at least the minimum silence; segments shorter than
/// the minimum speech are dropped; speech longer than the maximum is split at the last pause of at least 98 ms, or
/// cut where it reaches the maximum; finally every segment is padded, and the gap between two segments closer than
/// twice the padding is shared between them. Probabilities are not kept, so memory does not grow with the audio.
/// </summary>
public sealed class SpeechSegmenter
{
    private readonly SpeechSegmenterSettings settings;
    private readonly double minSpeechSamples;
    private readonly double minSilenceSamples;
    private readonly double minSilenceAtMaxSpeechSamples;
    private readonly double maxSpeechSamples;
    private readonly long padSamples;
    private readonly List<SpeechSegment> speeches = [];

    private long index;
    private bool triggered;
    private long currentStart = -1;
    private long tempEnd;
    private long prevEnd;
    private long nextStart;

    public SpeechSegmenter(SpeechSegmenterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!(settings.NegThreshold < settings.Threshold))
        {
            throw new ArgumentException($"the negative threshold ({settings.NegThreshold}) must be below the threshold ({settings.Threshold})", nameof(settings));
        }

        this.settings = settings;
        var rate = settings.SampleRate;
        minSpeechSamples = rate * settings.MinSpeech.TotalSeconds;
        minSilenceSamples = rate * settings.MinSilence.TotalSeconds;
        minSilenceAtMaxSpeechSamples = rate * 0.098;
        padSamples = (long)(rate * settings.SpeechPad.TotalSeconds);
        // Room for the padding on both sides and the window that crosses the limit.
        maxSpeechSamples = (rate * settings.MaxSpeech.TotalSeconds) - settings.WindowSamples - (2 * padSamples);
        if (maxSpeechSamples <= 0)
        {
            throw new ArgumentException($"the maximum speech duration ({settings.MaxSpeech.TotalSeconds} s) must exceed twice the padding plus one window", nameof(settings));
        }
    }

    /// <summary>Segments completed so far, before padding.</summary>
    public int Count => speeches.Count;

    /// <summary>Takes the probability of the next window.</summary>
    public void Push(float probability)
    {
        var window = settings.WindowSamples;
        var position = window * index++;
        if (probability >= settings.Threshold && tempEnd != 0)
        {
            // Speech resumed before the silence was long enough to end the segment.
            tempEnd = 0;
            if (nextStart < prevEnd)
            {
                nextStart = position;
            }
        }

        if (probability >= settings.Threshold && !triggered)
        {
            triggered = true;
            currentStart = position;
            return;
        }

        if (triggered && position - currentStart > maxSpeechSamples)
        {
            if (prevEnd != 0)
            {
                speeches.Add(new SpeechSegment(currentStart, prevEnd));
                if (nextStart < prevEnd)
                {
                    // Still in the pause the split was made at: no speech open.
                    triggered = false;
                    currentStart = -1;
                }
                else
                {
                    currentStart = nextStart;
                }

                prevEnd = nextStart = tempEnd = 0;
            }
            else
            {
                // No pause to split at: cut here.
                speeches.Add(new SpeechSegment(currentStart, position));
                currentStart = -1;
                prevEnd = nextStart = tempEnd = 0;
                triggered = false;
                return;
            }
        }

        if (probability < settings.NegThreshold && triggered)
        {
            if (tempEnd == 0)
            {
                tempEnd = position;
            }

            if (position - tempEnd > minSilenceAtMaxSpeechSamples)
            {
                prevEnd = tempEnd;
            }

            if (position - tempEnd < minSilenceSamples)
            {
                return;
            }

            if (tempEnd - currentStart > minSpeechSamples)
            {
                speeches.Add(new SpeechSegment(currentStart, tempEnd));
            }

            currentStart = -1;
            prevEnd = nextStart = tempEnd = 0;
            triggered = false;
        }
    }

    /// <summary>
    /// Closes speech still open at the end of <paramref name="totalSamples"/> of audio and returns every segment,
    /// padded, in order. The segmenter is spent afterwards.
    /// </summary>
    public IReadOnlyList<SpeechSegment> Finish(long totalSamples)
    {
        if (currentStart >= 0 && totalSamples - currentStart > minSpeechSamples)
        {
            speeches.Add(new SpeechSegment(currentStart, totalSamples));
        }

        currentStart = -1;
        triggered = false;
        var result = speeches.ToArray();
        for (var i = 0; i < result.Length; i++)
        {
            var (start, end) = (result[i].Start, result[i].End);
            if (i == 0)
            {
                start = Math.Max(0, start - padSamples);
            }

            if (i < result.Length - 1)
            {
                var silence = result[i + 1].Start - end;
                if (silence < 2 * padSamples)
                {
                    // Too close to pad both: each side gets half of the gap.
                    end += silence / 2;
                    result[i + 1] = result[i + 1] with { Start = Math.Max(0, result[i + 1].Start - (silence / 2)) };
                }
                else
                {
                    end = Math.Min(totalSamples, end + padSamples);
                    result[i + 1] = result[i + 1] with { Start = Math.Max(0, result[i + 1].Start - padSamples) };
                }
            }
            else
            {
                end = Math.Min(totalSamples, end + padSamples);
            }

            result[i] = new SpeechSegment(start, end);
        }

        return result;
    }
}
