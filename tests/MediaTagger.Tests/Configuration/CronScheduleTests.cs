using MediaTagger.Core.Configuration;

namespace MediaTagger.Tests.Configuration;

public sealed class CronScheduleTests
{
    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("0 2 * * *", "2026-11-25T13:00:00Z", "2026-11-26T02:00:00Z")]
    [InlineData("*/15 * * * *", "2026-11-25T13:07:30Z", "2026-11-25T13:15:00Z")]
    [InlineData("30 1 * * 0", "2026-11-25T13:00:00Z", "2026-11-29T01:30:00Z")] // the next Sunday
    [InlineData("0 0 1 1 *", "2026-11-25T13:00:00Z", "2027-01-01T00:00:00Z")]
    [InlineData("0 9-17/4 * * 1-5", "2026-11-27T18:00:00Z", "2026-11-30T09:00:00Z")] // Friday evening -> Monday 09:00
    public void Next_finds_the_following_matching_minute(string cron, string after, string expected)
    {
        CronSchedule.TryParse(cron, out var schedule, out var error).Should().BeTrue(error);
        schedule!.Next(At(after)).Should().Be(At(expected));
    }

    [Theory]
    [InlineData("* * * *", "needs 5 fields")]
    [InlineData("60 * * * *", "minute field")]
    [InlineData("* * * 13 *", "month field")]
    [InlineData("*/0 * * * *", "bad step")]
    public void Bad_expressions_say_what_is_wrong(string cron, string message)
    {
        CronSchedule.TryParse(cron, out _, out var error).Should().BeFalse();
        error.Should().Contain(message);
    }
}
