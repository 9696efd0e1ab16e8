using System.Text.Json.Nodes;

namespace MediaTagger.Core.Stages;

/// <summary>
/// Files a stage writes for a media file into a folder the worker owns (a video's keyframes), outside the sidecar's
/// folder, and names in its result. Each such file belongs to one media file alone: it is deleted when that file is
/// removed or processed again, and at start-up whatever lies under <paramref name="Root"/> that no live file's result
/// names is deleted (files deleted while the worker was down). Nothing outside <paramref name="Root"/> is ever deleted.
/// </summary>
/// <param name="Stage">The stage whose results name the files.</param>
/// <param name="Root">The folder the stage keeps them in; the worker owns everything under it.</param>
/// <param name="FilesOf">The files one result of the stage names.</param>
public sealed record StageContent(string Stage, string Root, Func<JsonObject, IEnumerable<string>> FilesOf);
