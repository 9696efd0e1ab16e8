namespace MediaTagger.Native;

/// <summary>A native engine reported an error; <see cref="Exception.Message"/> carries the engine's own text.</summary>
public class NativeEngineException : Exception
{
    public NativeEngineException(string engine, string message)
        : base($"{engine}: {message}") => Engine = engine;

    public NativeEngineException(string engine, string message, Exception inner)
        : base($"{engine}: {message}", inner) => Engine = engine;

    public NativeEngineException() => Engine = "native";

    public NativeEngineException(string message) : base(message) => Engine = "native";

    public NativeEngineException(string message, Exception innerException) : base(message, innerException) => Engine = "native";

    /// <summary>Which engine failed: onnxruntime, llama.cpp, whisper.cpp, libvips.</summary>
    public string Engine { get; }
}

/// <summary>A native library could not be found or loaded; the message says what to install.</summary>
public sealed class NativeLibraryMissingException : NativeEngineException
{
    public NativeLibraryMissingException(string engine, string message) : base(engine, message) { }

    public NativeLibraryMissingException() { }

    public NativeLibraryMissingException(string message) : base(message) { }

    public NativeLibraryMissingException(string message, Exception innerException) : base(message, innerException) { }
}
