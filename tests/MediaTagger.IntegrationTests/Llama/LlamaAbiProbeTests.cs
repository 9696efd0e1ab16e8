using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using MediaTagger.IntegrationTests.Support;
using MediaTagger.Native.Llama;

namespace MediaTagger.IntegrationTests.Llama;

/// <summary>
/// Compiles a C program against the pinned llama.h (and the ggml.h it includes) that prints sizeof/offsetof of every field of every struct the
/// binding mirrors, and compares it with the C# layout. A header update that adds, moves, renames or resizes a
/// field fails here instead of corrupting memory at run time.
/// </summary>
[Collection(LlamaTestSupport.Collection)]
public partial class LlamaAbiProbeTests
{
    [SkippableFact]
    public void Csharp_structs_match_the_compiled_pinned_header()
    {
        var header = LlamaTestSupport.NativeFile("llama", "llama.h");
        TestAssets.RequireTool("cc");
        // llama.h includes ggml.h, whose ggml_threadpool_params the binding mirrors too.
        var headerText = File.ReadAllText(header) + "\n" + File.ReadAllText(LlamaTestSupport.NativeFile("llama", "ggml.h"));

        var structs = LlamaAbi.MirroredStructs
            .Select(s => (s.Type, s.CName, Fields: HeaderFields(headerText, s.CName)))
            .ToList();

        // Same fields in the same order: catches a field added where padding hides it from sizeof.
        foreach (var (type, cName, fields) in structs)
        {
            CsharpFields(type).Select(f => f.Name).Should().Equal(fields, $"{type.Name} mirrors struct {cName}");
        }

        var measured = CompileAndRunProbe(Path.GetDirectoryName(header)!, structs.Select(s => (s.CName, s.Fields)).ToList());

        var mismatches = new List<string>();
        foreach (var (type, cName, _) in structs)
        {
            Compare(mismatches, $"sizeof({cName})", measured[$"{cName}"].Size, Marshal.SizeOf(type));
            Compare(mismatches, $"managed size of {type.Name}", measured[$"{cName}"].Size, UnsafeSizeOf(type));
            foreach (var field in CsharpFields(type))
            {
                var c = measured[$"{cName}.{field.Name}"];
                Compare(mismatches, $"offsetof({cName}, {field.Name})", c.Offset, Marshal.OffsetOf(type, field.Name).ToInt32());
                Compare(mismatches, $"sizeof({cName}.{field.Name})", c.Size, FieldSize(field.FieldType));
            }
        }

        mismatches.Should().BeEmpty("the C# structs must match llama.h and ggml.h of release {0}", LlamaBackend.PinnedRelease);
    }

    private static void Compare(List<string> mismatches, string what, int native, int managed)
    {
        if (native != managed)
        {
            mismatches.Add($"{what}: C {native}, C# {managed}");
        }
    }

    /// <summary>The field names of a struct as declared in the header (comments stripped; fails on declarations it cannot read).</summary>
    private static List<string> HeaderFields(string header, string cName)
    {
        var withoutComments = BlockComment().Replace(LineComment().Replace(header, ""), "");
        var start = Regex.Match(withoutComments, $@"struct\s+{cName}\s*\{{");
        start.Success.Should().BeTrue($"llama.h must define struct {cName}");
        var bodyStart = start.Index + start.Length;
        var bodyEnd = withoutComments.IndexOf('}', bodyStart);
        var body = withoutComments[bodyStart..bodyEnd];
        body.Should().NotContain("{", $"struct {cName} has a nested block the probe cannot read; extend the probe");

        var names = new List<string>();
        foreach (var declaration in body.Split(';').Select(d => d.Trim()).Where(d => d.Length > 0))
        {
            declaration.Should().NotContain("(", $"struct {cName} declares a function pointer inline; extend the probe");
            foreach (var declarator in declaration.Split(','))
            {
                var name = Regex.Match(declarator, @"([A-Za-z_][A-Za-z0-9_]*)\s*(\[[^\]]*\])?\s*$");
                name.Success.Should().BeTrue($"cannot read '{declarator}' in struct {cName}");
                names.Add(name.Groups[1].Value);
            }
        }

        return names;
    }

    private static Dictionary<string, (int Offset, int Size)> CompileAndRunProbe(string includeDir, List<(string CName, List<string> Fields)> structs)
    {
        var source = new StringBuilder("""
            #include <stddef.h>
            #include <stdio.h>
            #include "llama.h"

            int main(void) {

            """);
        foreach (var (cName, fields) in structs)
        {
            source.Append(CultureInfo.InvariantCulture, $"    printf(\"{cName} 0 %zu\\n\", sizeof(struct {cName}));\n");
            foreach (var field in fields)
            {
                source.Append(CultureInfo.InvariantCulture,
                    $"    printf(\"{cName}.{field} %zu %zu\\n\", offsetof(struct {cName}, {field}), sizeof(((struct {cName} *)0)->{field}));\n");
            }
        }

        source.Append("    return 0;\n}\n");

        var work = Directory.CreateTempSubdirectory("llama-abi-");
        try
        {
            var c = Path.Combine(work.FullName, "probe.c");
            var exe = Path.Combine(work.FullName, "probe");
            File.WriteAllText(c, source.ToString());
            var compile = Run("cc", ["-std=c11", "-I", includeDir, c, "-o", exe]);
            compile.ExitCode.Should().Be(0, "the probe must compile against llama.h:\n{0}", compile.Output);

            var run = Run(exe, []);
            run.ExitCode.Should().Be(0, run.Output);
            var result = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
            foreach (var line in run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split(' ');
                var isStruct = !parts[0].Contains('.', StringComparison.Ordinal);
                var a = int.Parse(parts[1], CultureInfo.InvariantCulture);
                var b = int.Parse(parts[2], CultureInfo.InvariantCulture);
                result[parts[0]] = isStruct ? (0, b) : (a, b);
            }

            return result;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static (int ExitCode, string Output) Run(string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    private static FieldInfo[] CsharpFields(Type type) =>
        type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).OrderBy(f => f.MetadataToken).ToArray();

    private static int FieldSize(Type type) =>
        type.IsPointer || type.IsFunctionPointer || type == typeof(IntPtr) || type == typeof(UIntPtr) ? IntPtr.Size
        : type.IsEnum ? Marshal.SizeOf(Enum.GetUnderlyingType(type))
        : Marshal.SizeOf(type);

    private static int UnsafeSizeOf(Type type) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();

    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex BlockComment();
}
