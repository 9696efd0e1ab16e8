using System.Text.Json.Nodes;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;
using MediaTagger.Stages;

namespace MediaTagger.Tests.Stages;

/// <summary>Image stages on videos: every frame of a batch goes through the model once, and comes back under its video with its time.</summary>
public sealed class ImageModelStageFramesTests
{
    [Fact]
    public async Task Images_and_the_frames_of_videos_share_one_model_call_and_each_video_gets_its_frames_with_times()
    {
        using var stage = new CountingStage();
        var image = new StageInput(1, "/in/cat.png", MediaKind.Image, "png", new Dictionary<string, JsonObject>());
        var video = new StageInput(2, "/in/clip.mp4", MediaKind.Video, "mp4", new Dictionary<string, JsonObject>
        {
            ["keyframes"] = JsonNode.Parse("""{ "frames": [ { "t": 0, "path": "/f/a.jpg" }, { "t": 10, "path": "/f/broken.jpg" }, { "t": 20, "path": "/f/c.jpg" } ] }""")!.AsObject(),
        });
        var bare = new StageInput(3, "/in/other.mp4", MediaKind.Video, "mp4", new Dictionary<string, JsonObject>());

        var outcomes = await stage.RunAsync([image, video, bare], CancellationToken.None);

        stage.Calls.Should().ContainSingle().Which.Should().Equal("/in/cat.png", "/f/a.jpg", "/f/broken.jpg", "/f/c.jpg");
        outcomes[0].Result!["seen"]!.GetValue<string>().Should().Be("/in/cat.png");
        var frames = outcomes[1].Result!["frames"]!.AsArray();
        frames.Select(f => f!["t"]!.GetValue<double>()).Should().Equal(0, 10, 20);
        frames[0]!["seen"]!.GetValue<string>().Should().Be("/f/a.jpg");
        frames[1]!["error"]!.GetValue<string>().Should().Be("undecodable");
        outcomes[1].Result!["summary"]!.GetValue<int>().Should().Be(2, "the summary is over the frames that were read");
        outcomes[2].Success.Should().BeFalse();
        outcomes[2].Error.Should().Contain("keyframes stage");
    }

    private sealed class CountingStage() : ImageModelStage("counting", Entry, "model", new Dictionary<string, string>())
    {
        private static readonly ModelEntry Entry = new("toy", "toy", "a toy", "MIT", ["cpu"], Heavy: false, TestOnly: true, new ModelFootprint(1, 1, 0),
            [new ModelFile("model", "toy.onnx", "https://example.invalid/toy.onnx", new string('0', 64), 1, null)]);

        public List<string[]> Calls { get; } = [];

        public override string Device => "cpu";

        protected override Task<IReadOnlyList<StageOutcome>> RunImagesAsync(IReadOnlyList<StageInput> images, CancellationToken cancellationToken)
        {
            Calls.Add(images.Select(i => i.Path).ToArray());
            IReadOnlyList<StageOutcome> outcomes = images.Select(i => i.Path.Contains("broken", StringComparison.Ordinal)
                ? StageOutcome.Fail("undecodable")
                : StageOutcome.Ok(new JsonObject { ["ms"] = 1.0, ["seen"] = i.Path })).ToArray();
            return Task.FromResult(outcomes);
        }

        protected override void SummarizeFrames(JsonObject video, IReadOnlyList<JsonObject> frames) => video["summary"] = frames.Count;

        protected override void Dispose(bool disposing)
        {
        }
    }
}
