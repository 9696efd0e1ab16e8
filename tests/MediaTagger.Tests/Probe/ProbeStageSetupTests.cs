using MediaTagger.Core.Configuration;
using MediaTagger.Core.MediaFiles;
using MediaTagger.Stages;
using MediaTagger.Stages.Probe;
using Microsoft.Extensions.DependencyInjection;
using static MediaTagger.Tests.Stages.StageTestServices;

namespace MediaTagger.Tests.Probe;

/// <summary>How the probe stage is configured and registered, and how it classifies I/O errors (no files touched).</summary>
public class ProbeStageSetupTests
{
    [Fact]
    public void Invalid_options_are_all_listed_in_one_error()
    {
        var options = new ProbeStageOptions { MaxImagePixels = 0, MaxFileBytes = -1, FfprobeTimeout = TimeSpan.Zero, MaxParallelism = 0 };

        FluentActions.Invoking(() => new ProbeStage(options)).Should().Throw<ArgumentException>()
            .Which.Message.Should().ContainAll("maxImagePixels", "maxFileBytes", "ffprobeTimeoutSeconds", "maxParallelism");
    }

    [Fact]
    public void The_created_stage_takes_its_limits_from_the_worker_section_then_the_defaults_then_with()
    {
        using var provider = Provider(s => s.AddProbeStage(o => o.VerifyImageData = false), worker: w =>
        {
            w.MaxFileBytes = 1000;
            w.MaxImagePixels = 2000;
        });
        var catalog = provider.GetRequiredService<StageCatalog>();
        var plain = new StageDefinition { Stage = "probe" };

        var stage = catalog.Create(plain);
        var overridden = catalog.Create(new StageDefinition { Stage = "probe", With = { ["maxFileBytes"] = "500", ["verifyImageData"] = "true" } });

        (stage.Name, stage.Device, stage.Model).Should().Be(("probe", "cpu", null));
        (catalog.ModelOf(plain), catalog.ModelSha(plain)).Should().Be((null, null));
        stage.Kinds.Should().BeEquivalentTo([MediaKind.Unknown, MediaKind.Image, MediaKind.Audio, MediaKind.Video]);
        stage.Parameters.Should().Equal(new Dictionary<string, string>
        {
            ["maxImagePixels"] = "2000",
            ["maxFileBytes"] = "1000",
            ["verifyImageData"] = "false",
        });
        overridden.Parameters.Should().Equal(new Dictionary<string, string>
        {
            ["maxImagePixels"] = "2000",
            ["maxFileBytes"] = "500",
            ["verifyImageData"] = "true",
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
