using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MediaTagger.Core.Journal;
using MediaTagger.Core.Models;
using MediaTagger.Hosting;
using MediaTagger.Stages.Clip;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MediaTagger.Cli;

/// <summary>
/// `search "text" [--folder DIR] [--top N] [--model ID] [--json]`: ranks processed images (and videos) by the cosine
/// similarity of their stored CLIP embeddings to the text, encoded by the text tower of the model that made them.
/// Exit 0 with hits (possibly none under the folder), 1 when there is nothing to search or the model is not installed.
/// </summary>
internal static class SearchCommand
{
    public static Command Create(Option<string> config, Option<string[]> set)
    {
        var query = new Argument<string>("text") { Description = "What to look for, in words: \"a cat on a sofa\"" };
        var folder = new Option<string?>("--folder") { Description = "Only files under this folder" };
        var top = new Option<int>("--top") { Description = "How many hits to print", DefaultValueFactory = _ => 10 };
        var model = new Option<string?>("--model") { Description = "CLIP model id whose embeddings to rank (default: the one most files have)" };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var command = new Command("search", "Rank processed images by how well they match a text (CLIP embeddings)");
        command.Arguments.Add(query);
        command.Options.Add(folder);
        command.Options.Add(top);
        command.Options.Add(model);
        command.Options.Add(json);
        command.SetAction((parse, ct) =>
        {
            using var host = WorkerHost.CreateBuilder(parse.GetValue(config)!, parse.GetValue(set)!).Build();
            if (WorkerHost.ValidatedOptions(host.Services) is null)
            {
                return Task.FromResult(1);
            }

            // With --model only that model's vectors are read (the journal filters by its index).
            var requested = parse.GetValue(model) is { Length: > 0 } asked ? asked : null;
            var embeddings = host.Services.GetRequiredService<IJournal>().Embeddings(requested);
            var modelId = ClipSearch.ModelOf(embeddings, requested);
            if (modelId is null)
            {
                Console.Error.WriteLine("no image embeddings in the journal yet: run `mediatagger tag` (or the worker) with a pipeline that has a clip stage");
                return Task.FromResult(1);
            }

            var catalog = host.Services.GetRequiredService<ModelCatalog>();
            if (!catalog.Models.Any(m => m.Id == modelId))
            {
                Console.Error.WriteLine($"the embeddings were made by '{modelId}', which is not in the model catalog");
                return Task.FromResult(1);
            }

            IReadOnlyList<ClipSearchHit> hits;
            try
            {
                hits = ClipSearch.Search(catalog[modelId], host.Services.GetRequiredService<ModelStore>(), parse.GetValue(query)!, embeddings,
                    parse.GetValue(folder), parse.GetValue(top), host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MediaTagger.Search"), ct);
            }
            catch (ModelNotInstalledException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return Task.FromResult(1);
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(hits.Select(h => new { h.Path, Score = Math.Round(h.Score, 4), h.Stage, h.Model }), CliJson.Options));
                return Task.FromResult(0);
            }

            foreach (var h in hits)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{h.Score,7:0.0000}  {h.Path}"));
            }

            if (hits.Count == 0)
            {
                Console.Error.WriteLine($"no processed file{(parse.GetValue(folder) is { } f ? " under " + f : "")} has a '{modelId}' embedding");
            }

            return Task.FromResult(0);
        });
        return command;
    }
}
