using MediaTagger.Core.Configuration;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Core.Stages;
using MediaTagger.Stages.Probe;
using Microsoft.Extensions.DependencyInjection;

namespace MediaTagger.Tests.Probe;

/// <summary>How the probe stage is configured and registered, and how it classifies I/O errors (no files touched).</summary>
public class ProbeStageSetupTests
{
    [Fact]
    public void Invalid_options_are_all_listed_in_one_error()
    {
        var options = new ProbeStageOptions { MaxImagePixels = 0, MaxFileBytes = -1, FfprobeTimeout = TimeSpan.Zero, MaxParallelism = 0 };

        FluentActions.Invoking(() => new ProbeStage(options)).Should().Throw<ArgumentException>()
            .Which.Message.Should().ContainAll("MaxImagePixels", "MaxFileBytes", "FfprobeTimeout", "MaxParallelism");
    }

    [Fact]
    public void The_registered_stage_takes_its_limits_from_the_worker_options_and_lets_the_caller_override()
    {
        var services = new ServiceCollection();
        services.Configure<MediaTaggerOptions>(o =>
        {
            o.Worker.MaxFileBytes = 1000;
            o.Worker.MaxImagePixels = 2000;
        });
        services.AddProbeStage(o => o.VerifyImageData = false);
        using var provider = services.BuildServiceProvider();

        var stage = provider.GetServices<IStage>().Should().ContainSingle().Subject;

        (stage.Name, stage.Device, stage.Model).Should().Be(("probe", "cpu", null));
        stage.Kinds.Should().BeEquivalentTo([MediaKind.Unknown, MediaKind.Image, MediaKind.Audio, MediaKind.Video]);
        stage.Parameters.Should().Equal(new Dictionary<string, string>
        {
            ["maxImagePixels"] = "2000",
            ["maxFileBytes"] = "1000",
            ["verifyImageData"] = "false",
        });
    }

    [Fact]
    public void The_stage_keeps_the_limits_it_was_built_with()
    {
        var options = new ProbeStageOptions { MaxFileBytes = 10 };
        var stage = new ProbeStage(options);

        options.MaxFileBytes = 20;

        stage.Parameters["maxFileBytes"].Should().Be("10");
    }

    [SkippableTheory]
    [InlineData(11, true)]   // EAGAIN / EWOULDBLOCK: a lock held by a writer
    [InlineData(16, true)]   // EBUSY
    [InlineData(116, true)]  // ESTALE: an NFS handle that went away, reopen later
    [InlineData(5, false)]   // EIO: a failing disk
    [InlineData(28, false)]  // ENOSPC
    public void Io_errors_that_pass_on_their_own_are_transient(int errno, bool transient)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "errno numbers are Linux's");

        var failure = ProbeFailures.FromIo(new IOException("disk says no", errno), "/media/in/x.jpg");

        failure.Transient.Should().Be(transient);
        failure.Message.Should().EndWith("disk says no");
    }

    [Fact]
    public void A_missing_file_was_deleted_and_a_denied_one_says_permission_denied()
    {
        ProbeFailures.FromIo(new FileNotFoundException("gone"), "/no/such/file.jpg").Should().Be(new ProbeFailure(ProbeFailures.Deleted, false));
        ProbeFailures.FromIo(new UnauthorizedAccessException("no"), "/no/such/file.jpg").Message.Should().StartWith("permission denied");
    }
}
