using MediaTagger.Native.Whisper;

namespace MediaTagger.Tests.Native;

public class WhisperTranscribeOptionsTests
{
    [Fact]
    public void Defaults_detect_the_language_greedily_and_are_valid()
    {
        var options = new WhisperTranscribeOptions();

        options.Language.Should().Be("auto");
        options.BeamSize.Should().Be(0);
        options.Invoking(o => o.Validate()).Should().NotThrow();
    }

    [Fact]
    public void Every_invalid_setting_is_reported_at_once()
    {
        var options = new WhisperTranscribeOptions
        {
            Language = " ",
            Threads = -1,
            BeamSize = 9,
            Temperature = 2,
            OffsetMs = -5,
            UseVad = true,
            VadParams = new WhisperVadParams { Threshold = 1.5f },
        };

        var error = options.Invoking(o => o.Validate()).Should().Throw<ArgumentException>().Which.Message;

        error.Should().Contain("Language").And.Contain("Threads").And.Contain("BeamSize").And.Contain("Temperature")
            .And.Contain("OffsetMs").And.Contain("VadModelPath").And.Contain("Threshold");
    }
}
