// Writes to a journal as the worker does (ingest, claim, complete, sometimes retry) until it is killed.
// Usage: JOURNAL ROUND. Prints "ready" once open, then one line per committed change, so the test can check
// that everything acknowledged before the kill is still there afterwards:
//   ingested ITEM PATH      an item and its stage tasks were committed
//   done TASK               a task's result was committed
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MediaTagger.Core.Journal;
using MediaTagger.Core.MediaFiles;

if (args.Length != 2)
{
    await Console.Error.WriteLineAsync("usage: JOURNAL ROUND");
    return 2;
}

string[] stages = ["probe", "tags", "caption"];
var time = TimeProvider.System;
using var journal = new SqliteJournal(args[0]);
journal.RecoverInterrupted(time.GetUtcNow());
Console.WriteLine("ready");

for (var i = 0; ; i++)
{
    var now = time.GetUtcNow();
    var path = string.Create(CultureInfo.InvariantCulture, $"/media/round{args[1]}/file{i}.jpg");
    var sha = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(path)));
    var request = new IngestRequest(path, new FileFingerprint(i, now.UtcTicks, sha), MediaKind.Image, "jpeg", "image/jpeg",
        "default", "config-1", stages);
    var ingested = journal.Ingest(request, now);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ingested {ingested.ItemId} {path}"));
    if (i % 3 == 0)
    {
        journal.Ingest(request, now); // a rescan of the same file: must not add tasks
    }

    // Stages are visited in a rotating order, so a later stage is often asked for before the earlier one finished.
    for (var s = 0; s < stages.Length; s++)
    {
        var stage = stages[(s + i) % stages.Length];
        foreach (var task in journal.ClaimTasks(stage, 2, now))
        {
            if (task.Attempt == 1 && i % 7 == 0)
            {
                journal.FailTask(task.TaskId, "transient", TaskFailure.Retry(now), now);
                continue;
            }

            // The result names its own task and the earlier stages it saw, so the test can spot crossed wires.
            var result = JsonSerializer.Serialize(new { task.Path, task.Stage, Earlier = task.EarlierResults.Keys.Order().ToArray() });
            if (journal.CompleteTask(task.TaskId, result, now))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done {task.TaskId}"));
            }
        }
    }
}
