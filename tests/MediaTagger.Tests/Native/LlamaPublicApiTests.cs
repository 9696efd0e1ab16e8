using System.Reflection;
using System.Runtime.InteropServices;
using MediaTagger.Native.Llama;

namespace MediaTagger.Tests.Native;

public class LlamaPublicApiTests
{
    [Fact]
    public void The_public_llama_api_exposes_no_raw_pointer_or_handle()
    {
        var publicTypes = typeof(LlamaModel).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == typeof(LlamaModel).Namespace)
            .ToList();
        publicTypes.Should().Contain([typeof(LlamaBackend), typeof(LlamaModel), typeof(LlamaContext), typeof(LlamaSampler), typeof(LlamaGenerator)]);
        publicTypes.Should().NotContain(t => t.Name == nameof(LlamaNative) || typeof(SafeHandle).IsAssignableFrom(t));

        var leaks = new List<string>();
        foreach (var type in publicTypes)
        {
            const BindingFlags visible = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var signatureTypes = type.GetMethods(visible).SelectMany(m => m.GetParameters().Select(p => (m.Name, p.ParameterType)).Append((m.Name, m.ReturnType)))
                .Concat(type.GetProperties(visible).Select(p => (p.Name, p.PropertyType)))
                .Concat(type.GetFields(visible).Select(f => (f.Name, f.FieldType)))
                .Concat(type.GetConstructors().SelectMany(c => c.GetParameters().Select(p => (".ctor", p.ParameterType))));
            leaks.AddRange(signatureTypes.Where(s => IsRaw(s.Item2)).Select(s => $"{type.Name}.{s.Item1}: {s.Item2}"));
        }

        leaks.Should().BeEmpty();
    }

    private static bool IsRaw(Type type)
    {
        var t = type.IsByRef || type.IsArray ? type.GetElementType()! : type;
        return t.IsPointer || t.IsFunctionPointer || t == typeof(IntPtr) || t == typeof(UIntPtr) || typeof(SafeHandle).IsAssignableFrom(t);
    }
}
