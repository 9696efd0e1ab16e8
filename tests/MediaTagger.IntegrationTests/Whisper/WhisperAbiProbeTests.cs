using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Native;
using MediaTagger.Native.Whisper;

namespace MediaTagger.IntegrationTests.Whisper;

/// <summary>
/// Asks the C compiler, through the pinned whisper.h in the native folder, for sizeof and offsetof of every field of
/// every struct the binding mirrors, and compares with what .NET lays out. Catches a mirror that drifted from the
/// header the library was built from, which the hand-written numbers in WhisperAbiTests cannot.
/// </summary>
public class WhisperAbiProbeTests
{
    // C# mirror -> the C type it mirrors. The anonymous greedy/beam_search structs are checked through their parent.
    private static readonly (Type Mirror, string CType)[] Mirrored =
    [
        (typeof(whisper_context_params), "struct whisper_context_params"),
        (typeof(whisper_full_params), "struct whisper_full_params"),
        (typeof(whisper_vad_params), "struct whisper_vad_params"),
        (typeof(whisper_vad_context_params), "struct whisper_vad_context_params"),
        (typeof(whisper_token_data), "struct whisper_token_data"),
        (typeof(whisper_aheads), "struct whisper_aheads"),
    ];

    [SkippableFact]
    public void Every_mirrored_field_has_the_size_and_offset_the_C_compiler_gives_it()
    {
        var header = WhisperHeader();
        TestAssets.RequireTool("cc");

        var expected = new Dictionary<string, (int Offset, int Size)>(StringComparer.Ordinal);
        var source = new StringBuilder()
            .AppendLine("#include <stdio.h>")
            .AppendLine("#include <stddef.h>")
            .AppendLine("#include \"whisper.h\"")
            .AppendLine("int main(void) {");
        foreach (var (mirror, cType) in Mirrored)
        {
            var name = cType.Replace("struct ", "", StringComparison.Ordinal);
            expected[name] = (0, Marshal.SizeOf(mirror));
            source.AppendLine(CultureInfo.InvariantCulture, $"    printf(\"{name} 0 %zu\\n\", sizeof({cType}));");
            AddFields(mirror, cType, name, "", 0, expected, source);
        }

        source.AppendLine("    return 0;").AppendLine("}");
        var compiled = Compile(source.ToString(), Path.GetDirectoryName(header)!);

        var actual = compiled.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(p => p[0], p => (Offset: int.Parse(p[1], CultureInfo.InvariantCulture), Size: int.Parse(p[2], CultureInfo.InvariantCulture)));

        actual.Keys.Should().BeEquivalentTo(expected.Keys, "the probe prints one line per mirrored field");
        var mismatches = expected
            .Where(e => actual[e.Key] != e.Value)
            .Select(e => $"{e.Key}: C# offset {e.Value.Offset} size {e.Value.Size}, C offset {actual[e.Key].Offset} size {actual[e.Key].Size}")
            .ToList();
        mismatches.Should().BeEmpty("the C# mirrors must match whisper.h exactly");
        expected.Should().ContainKey("whisper_full_params.beam_search.patience", "nested structs are probed field by field");
    }

    private static void AddFields(Type mirror, string cType, string name, string cPath, int baseOffset,
        Dictionary<string, (int Offset, int Size)> expected, StringBuilder source)
    {
        foreach (var field in mirror.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            var member = cPath.Length == 0 ? field.Name : $"{cPath}.{field.Name}";
            var key = $"{name}.{member}";
            var offset = baseOffset + Marshal.OffsetOf(mirror, field.Name).ToInt32();
            expected[key] = (offset, Marshal.SizeOf(field.FieldType));
            source.AppendLine(CultureInfo.InvariantCulture,
                $"    printf(\"{key} %zu %zu\\n\", offsetof({cType}, {member}), sizeof((({cType} *)0)->{member}));");

            // Nested structs of our own (greedy, beam_search, dtw_aheads, vad_params): probe their fields too.
            if (field.FieldType.Namespace == typeof(whisper_full_params).Namespace && !field.FieldType.IsPrimitive)
            {
                AddFields(field.FieldType, cType, name, member, offset, expected, source);
            }
        }
    }

    private static string WhisperHeader()
    {
        var dir = NativeLibraries.NativeDirectory;
        var header = dir is null ? null : Path.Combine(dir, "include", "whisper", "whisper.h");
        if (header is null || !File.Exists(header))
        {
            var message = $"whisper.h not found ({header ?? "no native folder"}): {NativeLibraries.SetupHint}";
            if (TestAssets.Required)
            {
                throw new InvalidOperationException("MEDIATAGGER_REQUIRE_ASSETS=1 but " + message);
            }

            throw new SkipException(message);
        }

        return header;
    }

    private static string Compile(string source, string includeDir)
    {
        var work = Directory.CreateTempSubdirectory("whisper-abi-");
        try
        {
            var c = Path.Combine(work.FullName, "probe.c");
            var exe = Path.Combine(work.FullName, "probe");
            File.WriteAllText(c, source);
            Run("cc", ["-std=c11", "-I", includeDir, "-o", exe, c]);
            return Run(exe, []);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static string Run(string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit(60_000).Should().BeTrue($"{file} should finish");
        process.ExitCode.Should().Be(0, $"{file} {string.Join(' ', arguments)} failed: {stderr.Result}");
        return stdout.Result;
    }
}
