using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Stages.Whisper;

namespace MediaTagger.IntegrationTests.Whisper;

/// <summary>
/// Word error rate of the whisper stage with real weights, when a real ggml English model is installed (the model
/// folder, MEDIATAGGER_MODEL_DIR, or the shared mirror); otherwise the tests skip, naming the model and the command
/// that installs it. The weights are too large to ship with the tests.
/// </summary>
public sealed partial class WhisperStageAccuracyTests
{
    private const string JfkTranscript = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.";

    // Best first: the smallest model that is accurate enough for the thresholds below.
    private static readonly string[] Candidates =
        ["whisper-base.en", "whisper-base.en-q8_0", "whisper-base.en-q5_1", "whisper-small.en", "whisper-small.en-q8_0", "whisper-small.en-q5_1",
         "whisper-base", "whisper-base-q8_0", "whisper-base-q5_1", "whisper-tiny.en", "whisper-tiny.en-q8_0", "whisper-tiny.en-q5_1"];

    [SkippableFact]
    public async Task Jfk_is_transcribed_with_a_low_word_error_rate_and_times_inside_the_audio()
    {
        var (id, path) = RealModel();
        using var stage = new WhisperStage(id, path, new WhisperStageOptions { Language = "en", Threads = 4 });
        var jfk = TestAssets.Media("audio/jfk.wav");

        var result = await RunAsync(stage, jfk, null);

        var text = result["text"]!.GetValue<string>();
        WordErrorRate(JfkTranscript, text).Should().BeLessThanOrEqualTo(0.1, $"{id} heard \"{text}\"");
        var segments = result["segments"]!.AsArray().Select(s => s!.AsObject()).ToList();
        segments.Should().NotBeEmpty();
        segments.Should().OnlyContain(s => s["start"]!.GetValue<double>() >= 0 && s["end"]!.GetValue<double>() <= 11.1
            && s["start"]!.GetValue<double>() <= s["end"]!.GetValue<double>());
    }

    [SkippableFact]
    public async Task Jfk_cut_into_vad_chunks_keeps_its_words_and_global_times()
    {
        var (id, path) = RealModel();
        using var stage = new WhisperStage(id, path, new WhisperStageOptions { Language = "en", Threads = 4, MaxChunkSeconds = 8, TokenTimestamps = true });
        var vad = JsonNode.Parse("""{ "segments": [ { "start": 0.2, "end": 3.9 }, { "start": 4.0, "end": 10.9 } ] }""")!.AsObject();

        var result = await RunAsync(stage, TestAssets.Media("audio/jfk.wav"), vad);

        var text = result["text"]!.GetValue<string>();
        result["chunks"]!.GetValue<int>().Should().BeGreaterThan(1);
        WordErrorRate(JfkTranscript, text).Should().BeLessThanOrEqualTo(0.25, $"{id} heard \"{text}\" in chunks");
        var starts = result["segments"]!.AsArray().Select(s => s!["start"]!.GetValue<double>()).ToList();
        starts.Should().BeInAscendingOrder().And.OnlyContain(t => t >= 0.2 && t <= 10.9);
        result["segments"]!.AsArray().SelectMany(s => s!["tokens"]!.AsArray()).Should().NotBeEmpty();
    }

    [SkippableFact]
    public async Task Librivox_sentences_are_transcribed_with_a_low_word_error_rate()
    {
        var folder = Path.Combine(TestAssets.SharedDirectory, "media", "audio", "librivox");
        var transcriptFile = Path.Combine(folder, "transcription");
        Skip.IfNot(File.Exists(transcriptFile), $"no librivox transcripts at {transcriptFile}");
        var (id, path) = RealModel();
        using var stage = new WhisperStage(id, path, new WhisperStageOptions { Language = "en", Threads = 4 });

        var errors = 0.0;
        var words = 0;
        foreach (var line in File.ReadAllLines(transcriptFile).Where(l => l.Length > 0))
        {
            var match = TranscriptLine().Match(line);
            match.Success.Should().BeTrue($"'{line}' is a transcript line");
            var reference = match.Groups["text"].Value;
            var result = await RunAsync(stage, Path.Combine(folder, match.Groups["file"].Value + ".wav"), null);
            var referenceWords = Words(reference).Length;
            errors += WordErrorRate(reference, result["text"]!.GetValue<string>()) * referenceWords;
            words += referenceWords;
        }

        (errors / words).Should().BeLessThanOrEqualTo(0.2, $"the word error rate of {id} over {words} words");
    }

    /// <summary>Word-level Levenshtein distance over the reference's word count, after lower-casing and dropping punctuation.</summary>
    internal static double WordErrorRate(string reference, string hypothesis)
    {
        var r = Words(reference);
        var h = Words(hypothesis);
        var previous = Enumerable.Range(0, h.Length + 1).ToArray();
        for (var i = 1; i <= r.Length; i++)
        {
            var current = new int[h.Length + 1];
            current[0] = i;
            for (var j = 1; j <= h.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (r[i - 1] == h[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return r.Length == 0 ? (h.Length == 0 ? 0 : 1) : previous[h.Length] / (double)r.Length;
    }

    private static string[] Words(string text)
    {
        var kept = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            kept.Append(char.IsLetterOrDigit(c) || c == '\'' ? c : ' ');
        }

        return kept.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    private static (string Id, string Path) RealModel()
    {
        TestAssets.RequireNative("whisper");
        TestAssets.RequireTool("ffmpeg");
        var (model, path) = TestAssets.InstalledModel(Candidates, WhisperStage.ProvenanceRole, "real Whisper model", "mediatagger models pull whisper-base.en");
        return (model.Id, path);
    }

    private static async Task<JsonObject> RunAsync(WhisperStage stage, string path, JsonObject? vad)
    {
        var earlier = vad is null ? new Dictionary<string, JsonObject>() : new Dictionary<string, JsonObject> { [WhisperChunks.VadStage] = vad };
        var outcome = (await stage.RunAsync([new StageInput(1, path, MediaKind.Audio, "wav", earlier)], CancellationToken.None)).Single();
        outcome.Success.Should().BeTrue(outcome.Error);
        return outcome.Result!;
    }

    [GeneratedRegex(@"^<s>\s*(?<text>.*?)\s*</s>\s*\((?<file>[^)]+)\)\s*$")]
    private static partial Regex TranscriptLine();
}
