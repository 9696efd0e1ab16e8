using MediaTagger.Stages.Caption;

namespace MediaTagger.Tests.Stages.Caption;

public sealed class CaptionStageOptionsTests
{
    [Fact]
    public void Pipeline_values_set_the_search_and_every_bad_one_is_reported()
    {
        var options = new CaptionStageOptions();
        var problems = CaptionStageOptions.Parameters.Read(options, new Dictionary<string, string>
        {
            ["numBeams"] = "1", ["maxLength"] = "75", ["repetitionPenalty"] = "1.2", ["prompt"] = "", ["writeCaption"] = "true",
        });

        problems.Should().BeEmpty();
        options.Search.NumBeams.Should().Be(1);
        options.Search.MaxLength.Should().Be(75);
        options.Search.RepetitionPenalty.Should().Be(1.2);
        options.Prompt.Should().BeEmpty();

        var bad = CaptionStageOptions.Parameters.Read(new CaptionStageOptions(), new Dictionary<string, string>
        {
            ["numBeams"] = "0", ["captionExtension"] = ".json", ["captionNaming"] = "sideways", ["repetitionPenalty"] = "0.5",
        });
        bad.Select(p => p.Key).Should().BeEquivalentTo("numBeams", "captionExtension", "captionNaming", "repetitionPenalty");

        var lengths = CaptionStageOptions.Parameters.Read(new CaptionStageOptions(), new Dictionary<string, string> { ["minLength"] = "20", ["maxLength"] = "10" });
        lengths.Should().ContainSingle(p => p.Key == "maxLength");
    }

    [Theory]
    [InlineData("kohya", ".caption", "photo.caption")]
    [InlineData("kohya", ".txt", "photo.txt")]
    [InlineData("append", ".caption", "photo.jpg.caption")]
    public void The_caption_file_is_named_for_the_image(string naming, string extension, string expected) =>
        CaptionStage.CaptionFileName("/data/photo.jpg", new CaptionStageOptions { CaptionNaming = naming, CaptionExtension = extension }).Should().Be(expected);
}
