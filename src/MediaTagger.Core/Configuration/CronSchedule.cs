using System.Globalization;

namespace MediaTagger.Core.Configuration;

/// <summary>
/// A five-field cron expression (minute hour day-of-month month day-of-week) with lists, ranges and steps,
/// evaluated in UTC. Enough for "process this archive every night at 02:00".
/// </summary>
public sealed class CronSchedule
{
    private readonly bool[] minutes;
    private readonly bool[] hours;
    private readonly bool[] days;
    private readonly bool[] months;
    private readonly bool[] weekdays;
    private readonly bool dayRestricted;
    private readonly bool weekdayRestricted;

    private CronSchedule(bool[][] fields, bool dayRestricted, bool weekdayRestricted)
    {
        (minutes, hours, days, months, weekdays) = (fields[0], fields[1], fields[2], fields[3], fields[4]);
        this.dayRestricted = dayRestricted;
        this.weekdayRestricted = weekdayRestricted;
    }

    public static bool TryParse(string expression, out CronSchedule? schedule, out string error)
    {
        schedule = null;
        var parts = (expression ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 5)
        {
            error = $"'{expression}' needs 5 fields (minute hour day month weekday), has {parts.Length}";
            return false;
        }

        (int Min, int Max, string Name)[] limits = [(0, 59, "minute"), (0, 23, "hour"), (1, 31, "day"), (1, 12, "month"), (0, 7, "weekday")];
        var fields = new bool[5][];
        for (var i = 0; i < 5; i++)
        {
            if (!TryParseField(parts[i], limits[i].Min, limits[i].Max, out fields[i], out var fieldError))
            {
                error = $"{limits[i].Name} field '{parts[i]}': {fieldError}";
                return false;
            }
        }

        if (fields[4][7])
        {
            fields[4][0] = true; // 7 is Sunday too
        }

        schedule = new CronSchedule(fields, parts[2] != "*", parts[4] != "*");
        error = "";
        return true;
    }

    /// <summary>The first matching minute strictly after <paramref name="after"/> (UTC), or null within 4 years.</summary>
    public DateTimeOffset? Next(DateTimeOffset after)
    {
        var t = new DateTimeOffset(after.UtcDateTime.Year, after.UtcDateTime.Month, after.UtcDateTime.Day, after.UtcDateTime.Hour, after.UtcDateTime.Minute, 0, TimeSpan.Zero).AddMinutes(1);
        var end = t.AddYears(4);
        while (t < end)
        {
            if (!months[t.Month])
            {
                t = new DateTimeOffset(t.Year, t.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
                continue;
            }

            var dayOk = days[t.Day];
            var weekdayOk = weekdays[(int)t.DayOfWeek];
            // Standard cron: when both day fields are restricted, either may match.
            var dateOk = dayRestricted && weekdayRestricted ? dayOk || weekdayOk : dayOk && weekdayOk;
            if (!dateOk)
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, TimeSpan.Zero).AddDays(1);
                continue;
            }

            if (!hours[t.Hour])
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
                continue;
            }

            if (minutes[t.Minute])
            {
                return t;
            }

            t = t.AddMinutes(1);
        }

        return null;
    }

    private static bool TryParseField(string text, int min, int max, out bool[] allowed, out string error)
    {
        allowed = new bool[max + 1];
        foreach (var part in text.Split(','))
        {
            var step = 1;
            var range = part;
            var slash = part.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                if (!int.TryParse(part[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step <= 0)
                {
                    error = $"bad step in '{part}'";
                    return false;
                }

                range = part[..slash];
            }

            int lo, hi;
            if (range == "*")
            {
                (lo, hi) = (min, max);
            }
            else if (range.Split('-') is [var a, var b])
            {
                if (!Parse(a, out lo) || !Parse(b, out hi) || lo > hi)
                {
                    error = $"bad range '{range}'";
                    return false;
                }
            }
            else if (Parse(range, out lo))
            {
                hi = slash >= 0 ? max : lo;
            }
            else
            {
                error = $"'{range}' is not a number, range or *";
                return false;
            }

            if (lo < min || hi > max)
            {
                error = $"'{part}' is outside {min}-{max}";
                return false;
            }

            for (var v = lo; v <= hi; v += step)
            {
                allowed[v] = true;
            }
        }

        error = "";
        return true;

        static bool Parse(string s, out int v) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v);
    }
}
