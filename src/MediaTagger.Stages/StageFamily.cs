using System.Text.Json.Nodes;
using MediaTagger.Core.Configuration;
using MediaTagger.Core.Models;
using MediaTagger.Core.Stages;

namespace MediaTagger.Stages;

/// <summary>
/// A stage family put together from its parts by its AddXStage extension: the options' defaults, the "with" keys,
/// the catalog model if it has one, and how the stage is created from options that passed the checks. Options are
/// made afresh for every definition: defaults, then the host's configureDefaults, then the definition's "with".
/// </summary>
internal sealed class StageFamily<TOptions> : IStageFamily
    where TOptions : class, new()
{
    private readonly StageParameters<TOptions> parameters;
    private readonly Func<WorkerOptions, TOptions> defaults;
    private readonly Func<TOptions, StageContext, IStage> create;
    private readonly Func<TOptions, string>? modelId;
    private readonly string? provenanceRole;
    private readonly Func<TOptions, IEnumerable<string>>? namedFiles;
    private readonly (Func<TOptions, string> Root, Func<JsonObject, IEnumerable<string>> Files)? content;
    private readonly ModelRoles? roles;

    /// <summary>A family whose stages need no model; <paramref name="defaults"/> may start from the worker's limits.</summary>
    public StageFamily(string name, StageParameters<TOptions> parameters, Func<WorkerOptions, TOptions> defaults,
        Action<TOptions>? configureDefaults, Func<TOptions, StageContext, IStage> create)
        : this(name, parameters, defaults, configureDefaults, create, null, null)
    {
    }

    /// <summary>
    /// A family whose stages run a catalog model: <paramref name="modelId"/> reads its id from the options, the file
    /// in <paramref name="provenanceRole"/> is the one whose checksum decides the output, and
    /// <paramref name="create"/> receives the model's installed files by role.
    /// </summary>
    public StageFamily(string name, StageParameters<TOptions> parameters, Action<TOptions>? configureDefaults,
        Func<TOptions, string> modelId, string provenanceRole, Func<TOptions, ModelEntry, IReadOnlyDictionary<string, string>, IStage> create)
        : this(name, parameters, _ => new TOptions(), configureDefaults, (options, context) =>
        {
            var model = context.Models[modelId(options)];
            return create(options, model, context.Store.Require(model));
        }, modelId, provenanceRole)
    {
    }

    /// <summary>
    /// A family whose stages run a catalog model and also need the context's logging or clock: as above, and
    /// <paramref name="create"/> receives the <see cref="StageContext"/> too.
    /// </summary>
    public StageFamily(string name, StageParameters<TOptions> parameters, Action<TOptions>? configureDefaults,
        Func<TOptions, string> modelId, string provenanceRole, Func<TOptions, ModelEntry, IReadOnlyDictionary<string, string>, StageContext, IStage> create)
        : this(name, parameters, _ => new TOptions(), configureDefaults, (options, context) =>
        {
            var model = context.Models[modelId(options)];
            return create(options, model, context.Store.Require(model), context);
        }, modelId, provenanceRole)
    {
    }

    private StageFamily(string name, StageParameters<TOptions> parameters, Func<WorkerOptions, TOptions> defaults, Action<TOptions>? configureDefaults,
        Func<TOptions, StageContext, IStage> create, Func<TOptions, string>? modelId, string? provenanceRole,
        (Func<TOptions, string> Root, Func<JsonObject, IEnumerable<string>> Files)? content = null,
        Func<TOptions, IEnumerable<string>>? namedFiles = null, ModelRoles? roles = null)
    {
        this.content = content;
        this.roles = roles;
        this.namedFiles = namedFiles;
        Name = name;
        this.parameters = parameters;
        this.defaults = defaults;
        ConfigureDefaults = configureDefaults;
        this.create = create;
        this.modelId = modelId;
        this.provenanceRole = provenanceRole;
        // Defaults set in code are the host's mistake: say so when the family is added, not at the first file.
        parameters.ThrowIfAny(parameters.Problems(Defaults(new WorkerOptions())), "defaults");
    }

    public string Name { get; }

    public ModelRoles? ModelRoles => roles;

    /// <summary>The host's changes to the defaults, applied to every definition's options before its "with".</summary>
    public Action<TOptions>? ConfigureDefaults { get; }

    /// <summary>This family with <paramref name="earlier"/>'s configureDefaults run before its own (AddXStage called twice).</summary>
    public StageFamily<TOptions> After(StageFamily<TOptions> earlier) =>
        new(Name, parameters, defaults, earlier.ConfigureDefaults + ConfigureDefaults, create, modelId, provenanceRole, content ?? earlier.content, namedFiles ?? earlier.namedFiles, roles ?? earlier.roles);

    /// <summary>
    /// This family, whose stages keep files of their own for each media file under the folder <paramref name="root"/>
    /// reads from the options (never a "with" key: one folder for every definition), named in each result by
    /// <paramref name="files"/>. The worker deletes them with the media file (<see cref="StageContent"/>).
    /// </summary>
    public StageFamily<TOptions> WithContent(Func<TOptions, string> root, Func<JsonObject, IEnumerable<string>> files) =>
        new(Name, parameters, defaults, ConfigureDefaults, create, modelId, provenanceRole, (root, files), namedFiles, roles);

    /// <summary>
    /// This family with files its options name (a vocabulary, a schema) counted as part of what decides the output:
    /// their contents go into <see cref="ModelSha"/>, so editing one makes the sidecars it shaped stale.
    /// </summary>
    public StageFamily<TOptions> DecidedByFiles(Func<TOptions, IEnumerable<string>> files) =>
        new(Name, parameters, defaults, ConfigureDefaults, create, modelId, provenanceRole, content, files, roles);

    /// <summary>This family, whose stages read the model files <paramref name="modelRoles"/> names (checked by `models add`).</summary>
    public StageFamily<TOptions> WithModelRoles(ModelRoles modelRoles) =>
        new(Name, parameters, defaults, ConfigureDefaults, create, modelId, provenanceRole, content, namedFiles, modelRoles);

    public IReadOnlyList<StageParameterProblem> Check(StageDefinition definition, WorkerOptions worker) =>
        parameters.Read(Defaults(worker), definition.With);

    public ModelEntry? ModelOf(StageDefinition definition, StageContext context) =>
        modelId is null ? null : context.Models[modelId(Options(definition, context.Worker))];

    public string? ModelSha(StageDefinition definition, StageContext context)
    {
        var model = ModelOf(definition, context)?.File(provenanceRole!).Checksum;
        if (namedFiles is null)
        {
            return model;
        }

        var files = namedFiles(Options(definition, context.Worker)).ToList();
        if (files.Count == 0)
        {
            return model;
        }

        // A file that went missing hashes as such: the stage will fail to start, and the sidecars are stale either way.
        var contents = string.Join('\n', files.Select(f => f + "=" + (File.Exists(f) ? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))) : "missing")));
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(contents)));
        return model is null ? "files:" + hash : model + "+files:" + hash;
    }

    public IStage Create(StageDefinition definition, StageContext context) => create(Options(definition, context.Worker), context);

    public StageContent? Content(WorkerOptions worker) =>
        content is { } c ? new StageContent(Name, Path.GetFullPath(c.Root(Defaults(worker))), c.Files) : null;

    /// <summary>The options a definition stands for; throws one <see cref="ArgumentException"/> listing every problem.</summary>
    internal TOptions Options(StageDefinition definition, WorkerOptions worker)
    {
        var options = Defaults(worker);
        // Read first: a value in "with" may stand in for a default the worker section got wrong.
        var problems = parameters.Read(options, definition.With);
        // Distinct: a rule across parameters may be reported by both.
        parameters.ThrowIfAny([.. problems.Concat(parameters.Problems(options)).Distinct()], "options");
        return options;
    }

    private TOptions Defaults(WorkerOptions worker)
    {
        var options = defaults(worker);
        ConfigureDefaults?.Invoke(options);
        return options;
    }
}
