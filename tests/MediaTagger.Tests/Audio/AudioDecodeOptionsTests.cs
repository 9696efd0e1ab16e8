using MediaTagger.Media.Audio;

namespace MediaTagger.Tests.Audio;

public class AudioDecodeOptionsTests
{
    [Fact]
    public void Defaults_are_what_whisper_needs_and_valid()
    {
        var options = new AudioDecodeOptions();

        options.SampleRate.Should().Be(16000);
        options.Channels.Should().Be(1);
        options.Invoking(o => o.Validate()).Should().NotThrow();
    }

    [Fact]
    public void Every_invalid_setting_is_reported_at_once()
    {
        var options = new AudioDecodeOptions { SampleRate = 0, Channels = 0, StreamIndex = 1, Language = "eng", Timeout = TimeSpan.Zero };

        var error = options.Invoking(o => o.Validate()).Should().Throw<ArgumentException>().Which.Message;

        error.Should().Contain("SampleRate").And.Contain("Channels").And.Contain("not both").And.Contain("Timeout");
    }
}
