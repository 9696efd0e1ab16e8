using Microsoft.Extensions.DependencyInjection;

namespace MediaTagger.Stages.Faces;

public static class FacesStageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the faces stage family (face boxes from a catalog detector). A definition's options are the defaults,
    /// then <paramref name="configureDefaults"/>, then its "with". Invalid defaults throw here.
    /// </summary>
    public static IServiceCollection AddFacesStage(this IServiceCollection services, Action<FacesStageOptions>? configureDefaults = null) =>
        services.AddStageFamily(new StageFamily<FacesStageOptions>(
            FacesStage.StageName,
            FacesStageOptions.Parameters,
            configureDefaults,
            o => o.Model,
            FacesStage.ProvenanceRole,
            (options, model, files) => new FacesStage(model, files, options))
            .WithModelRoles(FacesStage.Roles));
}
