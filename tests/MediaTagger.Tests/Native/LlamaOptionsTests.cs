using MediaTagger.Native.Llama;

namespace MediaTagger.Tests.Native;

public class LlamaOptionsTests
{
    [Fact]
    public void Context_options_report_every_problem_at_once()
    {
        var options = new LlamaContextOptions { ContextSize = -1, BatchSize = 0, Threads = 0 };

        var act = () => options.Validate();

        act.Should().Throw<ArgumentException>()
            .Which.Message.Should().Contain("ContextSize").And.Contain("BatchSize").And.Contain("Threads");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(101)]
    public void Thread_polling_outside_ggmls_scale_is_refused(int polling)
    {
        var act = () => new LlamaContextOptions { ThreadPolling = polling }.Validate();

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain("ThreadPolling");
    }

    [Fact]
    public void Default_context_options_are_valid()
    {
        var act = () => new LlamaContextOptions().Validate();

        act.Should().NotThrow();
    }

    [Fact]
    public void Build_metadata_gives_the_release_and_gpu_flavour()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nlc-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """
            {"buildOptions":{"customCmakeOptions":{},"platform":"linux","arch":"x64","gpu":false,
             "llamaCpp":{"repo":"ggml-org/llama.cpp","release":"v0.5.0"}}}
            """);
        try
        {
            var info = LlamaBackend.ReadBuildInfo(path);

            info.Should().NotBeNull();
            info!.Release.Should().Be("v0.5.0");
            info.Repository.Should().Be("ggml-org/llama.cpp");
            info.Gpu.Should().BeNull("gpu:false is a CPU-only build");
            info.Arch.Should().Be("x64");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Missing_build_metadata_reads_as_null() =>
        LlamaBackend.ReadBuildInfo(Path.Combine(Path.GetTempPath(), $"absent-{Guid.NewGuid():N}.json")).Should().BeNull();

    [Theory]
    [InlineData(1, "context is full")]
    [InlineData(2, "aborted")]
    [InlineData(-1, "invalid input batch")]
    [InlineData(-3, "fatal")]
    public void Decode_return_codes_are_explained(int code, string meaning) =>
        LlamaContext.DescribeDecodeResult(code).Should().Contain(meaning);
}
