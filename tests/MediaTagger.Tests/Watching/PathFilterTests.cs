using MediaTagger.Core.Configuration;
using MediaTagger.Core.Watching;

namespace MediaTagger.Tests.Watching;

public sealed class PathFilterTests
{
    private const string Root = "/media/inbox";

    private static PathFilter Filter(
        IEnumerable<string>? include = null,
        IEnumerable<string>? exclude = null,
        bool recursive = true,
        Func<string, bool>? isOwnOutput = null) =>
        new(new WatchEntry { Path = Root, Include = [.. include ?? []], Exclude = [.. exclude ?? []], Recursive = recursive },
            isOwnOutput ?? (_ => false));

    private static string At(string relative) => Root + "/" + relative;

    [Theory]
    [InlineData("*.jpg", "a.jpg", true)]
    [InlineData("*.jpg", "deep/er/a.jpg", true)] // a pattern without '/' matches a name at any depth
    [InlineData("*.jpg", "IMG_0001.JPG", true)] // cameras write upper case
    [InlineData("*.jpg", "a.jpeg", false)]
    [InlineData("*.jpg", "a.jpg.mp4", false)]
    [InlineData("/*.jpg", "a.jpg", true)] // a leading '/' anchors at the root
    [InlineData("/*.jpg", "sub/a.jpg", false)]
    [InlineData("photos/*.jpg", "photos/a.jpg", true)]
    [InlineData("photos/*.jpg", "photos/2024/a.jpg", false)] // '*' stays within one folder
    [InlineData("photos/*.jpg", "other/photos/a.jpg", false)] // a pattern with '/' is anchored
    [InlineData("photos/**/*.jpg", "photos/a.jpg", true)] // '**' may be no folder at all
    [InlineData("photos/**/*.jpg", "photos/2024/05/a.jpg", true)]
    [InlineData("**/raw/*", "x/y/raw/a.cr2", true)]
    [InlineData("**", "anything/at/all.bin", true)]
    [InlineData("img_????.jpg", "IMG_0042.jpg", true)]
    [InlineData("img_????.jpg", "IMG_042.jpg", false)]
    [InlineData("scan[0-9].png", "scan7.png", true)]
    [InlineData("scan[0-9].png", "scanx.png", false)]
    [InlineData("scan[!0-9].png", "scanx.png", true)]
    [InlineData("scan[!0-9].png", "scan7.png", false)]
    [InlineData("[abc]*.wav", "b-side.wav", true)]
    [InlineData("[abc]*.wav", "d-side.wav", false)]
    [InlineData("*.{jpg,png}", "a.png", true)]
    [InlineData("*.{jpg,png}", "a.gif", false)]
    [InlineData("{music,podcasts}/**/*.mp3", "podcasts/2024/ep1.mp3", true)]
    [InlineData("{music,podcasts}/**/*.mp3", "video/ep1.mp3", false)]
    [InlineData("a*b*c.txt", "aXXbYYbZZc.txt", true)] // backtracking over several stars
    [InlineData("a*b*c.txt", "aXXcYYb.txt", false)]
    [InlineData("*", "sub/any.bin", true)]
    public void Include_globs_select_files_relative_to_the_root(string pattern, string relative, bool expected) =>
        Filter(include: [pattern]).Accepts(At(relative)).Should().Be(expected, $"'{pattern}' against '{relative}'");

    [Fact]
    public void No_include_patterns_means_every_file()
    {
        var filter = Filter();

        filter.Accepts(At("a.jpg")).Should().BeTrue();
        filter.Accepts(At("x/y/z.flac")).Should().BeTrue();
    }

    [Fact]
    public void An_excluded_folder_excludes_everything_under_it_and_is_not_entered()
    {
        var filter = Filter(include: ["*.jpg"], exclude: ["cache", "**/thumbs/**", "*.small.jpg"]);

        filter.Accepts(At("cache/a.jpg")).Should().BeFalse();
        filter.Accepts(At("x/cache/y/a.jpg")).Should().BeFalse();
        filter.Accepts(At("trip/thumbs/a.jpg")).Should().BeFalse();
        filter.Accepts(At("trip/a.small.jpg")).Should().BeFalse();
        filter.Accepts(At("trip/a.jpg")).Should().BeTrue();
        filter.Accepts(At("cachet/a.jpg")).Should().BeTrue("a folder named like the pattern's prefix is not excluded");

        filter.ShouldEnter(At("x/cache")).Should().BeFalse();
        filter.ShouldEnter(At("trip")).Should().BeTrue();
        filter.ShouldEnter(Root).Should().BeTrue();
    }

    [Fact]
    public void A_trailing_slash_means_the_folder_and_its_contents()
    {
        var filter = Filter(exclude: ["/drafts/"]);

        filter.Accepts(At("drafts/a.jpg")).Should().BeFalse();
        filter.Accepts(At("drafts/x/a.jpg")).Should().BeFalse();
        filter.Accepts(At("x/drafts/a.jpg")).Should().BeTrue("the leading '/' anchors it at the root");
    }

    [Theory]
    [InlineData("movie.mkv.part")]
    [InlineData("movie.mkv.PART")]
    [InlineData("photo.jpg.crdownload")]
    [InlineData("render.tmp")]
    [InlineData("song.mp3.partial")]
    [InlineData("upload.jpg.filepart")]
    [InlineData("~$report.docx")]
    [InlineData("a.jpg" + PathFilter.WorkerTempSuffix)]
    public void Names_of_files_still_being_written_are_ignored(string name)
    {
        PathFilter.IsTemporaryName(name).Should().BeTrue();
        Filter().Accepts(At(name)).Should().BeFalse();
        Filter().Accepts(At("sub/" + name)).Should().BeFalse();
        Filter().AcceptsRemoval(At(name)).Should().BeFalse("a temporary name going away is the normal end of a copy");
    }

    [Theory]
    [InlineData("party.jpg")]
    [InlineData("part.jpg")]
    [InlineData("tmp.png")]
    [InlineData("a~$b.jpg")]
    public void Ordinary_names_that_merely_contain_a_temporary_word_are_kept(string name)
    {
        PathFilter.IsTemporaryName(name).Should().BeFalse();
        Filter().Accepts(At(name)).Should().BeTrue();
    }

    [Fact]
    public void Dot_files_and_everything_inside_dot_folders_are_ignored_even_when_included()
    {
        var filter = Filter(include: ["**"]);

        filter.Accepts(At(".hidden.jpg")).Should().BeFalse();
        filter.Accepts(At("sub/.DS_Store")).Should().BeFalse();
        filter.Accepts(At(".thumbnails/a.jpg")).Should().BeFalse();
        filter.Accepts(At("a/.git/b/c.jpg")).Should().BeFalse();
        filter.ShouldEnter(At(".mediatagger")).Should().BeFalse();
        filter.ShouldEnter(At("a/.cache")).Should().BeFalse();
    }

    [Fact]
    public void A_watch_root_inside_a_dot_folder_still_works()
    {
        var filter = new PathFilter(new WatchEntry { Path = "/home/me/.local/inbox" }, _ => false);

        filter.Accepts("/home/me/.local/inbox/a.jpg").Should().BeTrue();
    }

    [Fact]
    public void The_workers_own_outputs_are_ignored_so_its_writes_never_trigger_work()
    {
        var asked = new List<string>();
        var filter = Filter(isOwnOutput: p =>
        {
            asked.Add(p);
            return p.EndsWith(".json", StringComparison.Ordinal);
        });

        filter.Accepts(At("a.jpg.json")).Should().BeFalse();
        filter.AcceptsRemoval(At("a.jpg.json")).Should().BeFalse();
        filter.Accepts(At("a.jpg")).Should().BeTrue();
        asked.Should().Contain(At("a.jpg.json"), "the sidecar writer's rule is asked with the full path");
    }

    [Fact]
    public void A_non_recursive_root_takes_only_its_own_files()
    {
        var filter = Filter(recursive: false);

        filter.Accepts(At("a.jpg")).Should().BeTrue();
        filter.Accepts(At("sub/a.jpg")).Should().BeFalse();
        filter.ShouldEnter(At("sub")).Should().BeFalse();
        filter.ShouldEnter(Root).Should().BeTrue();
    }

    [Theory]
    [InlineData("/media/inbox")]
    [InlineData("/media/inbox/")]
    [InlineData("/media/inbox2/a.jpg")] // a sibling that shares the prefix
    [InlineData("/media/a.jpg")]
    public void Paths_outside_the_root_or_the_root_itself_are_not_files_to_process(string path) =>
        Filter().Accepts(path).Should().BeFalse();

    [Fact]
    public void Removal_ignores_include_patterns_because_a_gone_folder_matches_no_file_pattern()
    {
        var filter = Filter(include: ["*.jpg"], exclude: ["raw"]);

        filter.AcceptsRemoval(At("2024")).Should().BeTrue();
        filter.AcceptsRemoval(At("2024/a.jpg")).Should().BeTrue();
        filter.AcceptsRemoval(At("raw/a.jpg")).Should().BeFalse();
        filter.AcceptsRemoval(At(".git")).Should().BeFalse();
    }

    [Fact]
    public void Every_malformed_pattern_is_reported_at_once()
    {
        var entry = new WatchEntry { Path = Root, Include = ["*.[jp", "ok/*.jpg", "*.{jpg,png"], Exclude = ["../outside", "[z-a].jpg", "  "] };

        var problems = PathFilter.Validate(entry);
        var act = () => new PathFilter(entry, _ => false);

        problems.Should().HaveCount(5);
        problems.Should().Contain(p => p.Contains("'*.[jp'", StringComparison.Ordinal) && p.Contains("no closing ']'", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("no closing '}'", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("'..'", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("backwards", StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("empty", StringComparison.Ordinal));
        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain("'*.[jp'").And.Contain("'../outside'");
    }
}
