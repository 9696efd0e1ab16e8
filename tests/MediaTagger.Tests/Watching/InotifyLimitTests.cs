using MediaTagger.Core.Watching;

namespace MediaTagger.Tests.Watching;

public sealed class InotifyLimitTests
{
    [Theory]
    [InlineData("The configured user limit (8192) on the number of inotify watches has been reached, or the operating system failed to allocate a required resource.", "max_user_watches")]
    [InlineData("The configured user limit (128) on the number of inotify instances has been reached, or the per-process limit on the number of open file descriptors has been reached.", "max_user_instances")]
    [InlineData("The system limit on the number of inotify instances has been reached.", "max_user_instances")]
    public void The_runtimes_inotify_limit_messages_name_the_limit_to_raise(string message, string limit) =>
        FolderWatcher.InotifyLimitOf(new IOException(message)).Should().Be(limit);

    [Fact]
    public void A_limit_wrapped_in_another_exception_is_still_recognised() =>
        FolderWatcher.InotifyLimitOf(new InvalidOperationException("outer", new IOException("... number of inotify watches has been reached")))
            .Should().Be("max_user_watches");

    [Fact]
    public void Other_failures_are_not_mistaken_for_exhaustion()
    {
        FolderWatcher.InotifyLimitOf(new InternalBufferOverflowException("Too many changes at once in directory:/media.")).Should().BeNull();
        FolderWatcher.InotifyLimitOf(new IOException("No space left on device")).Should().BeNull();
        FolderWatcher.InotifyLimitOf(new ArgumentException("inotify mentioned but not an IOException")).Should().BeNull();
    }
}
