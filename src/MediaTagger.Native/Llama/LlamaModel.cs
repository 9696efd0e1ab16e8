using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;

namespace MediaTagger.Native.Llama;

/// <summary>
/// A loaded GGUF model and its vocabulary. Thread-safe for tokenizing and metadata; contexts created from it keep
/// the native model alive, so disposing this while a context is in use is safe.
/// </summary>
public sealed class LlamaModel : IDisposable
{
    private readonly SafeLlamaModelHandle handle;

    // Owned by the native model; only dereferenced while a lease on the handle is held.
    private readonly IntPtr vocab;

    // SafeHandle.Dispose does not block DangerousAddRef while contexts still hold references, so the wrapper
    // tracks its own disposal; contexts and samplers keep using the native model through internal paths.
    private volatile bool disposed;

    private LlamaModel(string path, SafeLlamaModelHandle handle, bool vocabOnly)
    {
        this.handle = handle;
        Path = path;
        VocabOnly = vocabOnly;
        vocab = LlamaNative.llama_model_get_vocab(handle);
        Description = ReadDescription();
        ParameterCount = LlamaNative.llama_model_n_params(handle);
        SizeBytes = LlamaNative.llama_model_size(handle);
        TrainContextLength = LlamaNative.llama_model_n_ctx_train(handle);
        EmbeddingLength = LlamaNative.llama_model_n_embd(handle);
        LayerCount = LlamaNative.llama_model_n_layer(handle);
        ChatTemplate = ReadChatTemplate();
        VocabSize = LlamaNative.llama_vocab_n_tokens(vocab);
        var bos = LlamaNative.llama_vocab_bos(vocab);
        var eos = LlamaNative.llama_vocab_eos(vocab);
        Bos = bos == LlamaNative.TokenNull ? null : bos;
        Eos = eos == LlamaNative.TokenNull ? null : eos;
    }

    public string Path { get; }

    public bool VocabOnly { get; }

    /// <summary>llama_model_desc, e.g. "llama ?B all F32" or "qwen2 7B Q4_K - Medium".</summary>
    public string Description { get; }

    public ulong ParameterCount { get; }

    /// <summary>Bytes of all tensors (0 for a vocab-only load).</summary>
    public ulong SizeBytes { get; }

    /// <summary>The context length the model was trained with.</summary>
    public int TrainContextLength { get; }

    public int EmbeddingLength { get; }

    public int LayerCount { get; }

    /// <summary>The model's default chat template (GGUF tokenizer.chat_template), or null if it has none.</summary>
    public string? ChatTemplate { get; }

    public int VocabSize { get; }

    /// <summary>Beginning-of-sequence token, or null when the vocabulary has none.</summary>
    public int? Bos { get; }

    /// <summary>End-of-sequence token, or null when the vocabulary has none.</summary>
    public int? Eos { get; }

    internal SafeLlamaModelHandle Handle => handle;

    /// <summary>The native vocab; valid only while a lease on <see cref="Handle"/> is held.</summary>
    internal IntPtr VocabHandle => vocab;

    /// <summary>
    /// Loads a GGUF file. <paramref name="progress"/> receives values from 0 to 1; cancelling <paramref name="cancellationToken"/>
    /// aborts the native load and throws <see cref="OperationCanceledException"/>. A file llama.cpp cannot load
    /// throws <see cref="NativeEngineException"/> naming the path and llama's reason.
    /// </summary>
    public static unsafe LlamaModel Load(string path, LlamaModelOptions? options = null, IProgress<float>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new LlamaModelOptions();
        cancellationToken.ThrowIfCancellationRequested();
        var fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"model file {fullPath} does not exist", fullPath);
        }

        LlamaBackend.Initialize();

        var parameters = LlamaNative.llama_model_default_params();
        parameters.n_gpu_layers = options.GpuLayers;
        parameters.vocab_only = options.VocabOnly ? (byte)1 : (byte)0;

        // Explicit rather than AUTO, so the option means the same on every machine.
        parameters.load_mode = options.UseMmap ? LlamaLoadMode.Mmap : LlamaLoadMode.None;

        var state = new LoadState(progress, cancellationToken);
        var stateHandle = GCHandle.Alloc(state);
        IntPtr ptr;
        var started = Stopwatch.GetTimestamp();
        using var errors = LlamaBackend.ErrorCapture.Begin();
        try
        {
            parameters.progress_callback = &OnProgress;
            parameters.progress_callback_user_data = GCHandle.ToIntPtr(stateHandle);
            ptr = LlamaNative.llama_model_load_from_file(fullPath, parameters);
        }
        finally
        {
            // The callback is only invoked during the load call, so the state can go now.
            stateHandle.Free();
        }

        if (ptr == IntPtr.Zero)
        {
            if (state.CallbackError is not null)
            {
                ExceptionDispatchInfo.Throw(state.CallbackError);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                LlamaLog.ModelLoadCancelled(LlamaBackend.Logger, fullPath);
                throw new OperationCanceledException($"loading model {fullPath} was cancelled", cancellationToken);
            }

            var reason = errors.Describe("llama_model_load_from_file returned NULL");
            LlamaLog.ModelLoadFailed(LlamaBackend.Logger, fullPath, reason);
            throw new NativeEngineException("llama.cpp", $"cannot load model {fullPath}: {reason}");
        }

        var model = new LlamaModel(fullPath, new SafeLlamaModelHandle(ptr), options.VocabOnly);
        var elapsed = Stopwatch.GetElapsedTime(started);
        LlamaLog.ModelLoaded(LlamaBackend.Logger, fullPath, model.Description, model.ParameterCount, model.SizeBytes,
            options.GpuLayers, options.VocabOnly, elapsed.TotalMilliseconds);
        return model;
    }

    /// <summary>A GGUF metadata value as text (e.g. "general.name"), or null when the key is absent. Arrays are not supported by llama.cpp.</summary>
    public unsafe string? GetMetadata(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ThrowIfDisposed();
        var buffer = new byte[256];
        while (true)
        {
            int length;
            fixed (byte* p = buffer)
            {
                length = LlamaNative.llama_model_meta_val_str(handle, key, p, (nuint)buffer.Length);
            }

            if (length < 0)
            {
                return null;
            }

            // The value is truncated when it needs more than the buffer (plus the NUL).
            if (length < buffer.Length)
            {
                return Encoding.UTF8.GetString(buffer, 0, length);
            }

            buffer = new byte[length + 1];
        }
    }

    /// <summary>
    /// Tokenizes UTF-8 text. <paramref name="addSpecial"/> adds BOS/EOS as the model is configured to;
    /// <paramref name="parseSpecial"/> turns special-token text such as "&lt;|im_start|&gt;" into its token.
    /// </summary>
    public int[] Tokenize(string text, bool addSpecial, bool parseSpecial)
    {
        ArgumentNullException.ThrowIfNull(text);
        ThrowIfDisposed();
        return TokenizeCore(text, addSpecial, parseSpecial);
    }

    internal unsafe int[] TokenizeCore(string text, bool addSpecial, bool parseSpecial)
    {
        // One extra NUL byte keeps the buffer non-empty, so fixed never yields NULL even for "".
        var byteCount = Encoding.UTF8.GetByteCount(text);
        var bytes = new byte[byteCount + 1];
        Encoding.UTF8.GetBytes(text, bytes);

        var tokens = new int[Math.Max(byteCount + 4, 8)];
        using var lease = new HandleLease(handle);
        while (true)
        {
            int count;
            fixed (byte* t = bytes)
            fixed (int* o = tokens)
            {
                count = LlamaNative.llama_tokenize(vocab, t, byteCount, o, tokens.Length, addSpecial, parseSpecial);
            }

            if (count >= 0)
            {
                return count == tokens.Length ? tokens : tokens[..count];
            }

            if (count == int.MinValue)
            {
                throw new NativeEngineException("llama.cpp", $"tokenizing {byteCount} bytes overflowed the token count");
            }

            // A negative count is the size the result needs.
            tokens = new int[-count];
        }
    }

    /// <summary>The text of one token. <paramref name="special"/> renders control tokens (e.g. "&lt;/s&gt;") instead of "".</summary>
    public string TokenToPiece(int token, bool special)
    {
        ThrowIfDisposed();
        return Encoding.UTF8.GetString(TokenToPieceBytes(token, special));
    }

    /// <summary>
    /// The raw bytes of one token: a token may hold part of a multi-byte character, so generated text is
    /// assembled from bytes and decoded once.
    /// </summary>
    internal unsafe byte[] TokenToPieceBytes(int token, bool special)
    {
        CheckToken(token);
        Span<byte> buffer = stackalloc byte[64];
        using var lease = new HandleLease(handle);
        int length;
        fixed (byte* p = buffer)
        {
            length = LlamaNative.llama_token_to_piece(vocab, token, p, buffer.Length, 0, special);
        }

        if (length >= 0)
        {
            return buffer[..length].ToArray();
        }

        var large = new byte[-length];
        fixed (byte* p = large)
        {
            length = LlamaNative.llama_token_to_piece(vocab, token, p, large.Length, 0, special);
        }

        return length < 0
            ? throw new NativeEngineException("llama.cpp", $"llama_token_to_piece failed for token {token}")
            : large[..length];
    }

    /// <summary>Turns tokens back into text (the inverse of <see cref="Tokenize"/>).</summary>
    public unsafe string Detokenize(ReadOnlySpan<int> tokens, bool removeSpecial = false, bool unparseSpecial = false)
    {
        ThrowIfDisposed();
        if (tokens.IsEmpty)
        {
            return "";
        }

        foreach (var token in tokens)
        {
            CheckToken(token);
        }

        var buffer = new byte[(tokens.Length * 8) + 16];
        using var lease = new HandleLease(handle);
        while (true)
        {
            int length;
            fixed (int* t = tokens)
            fixed (byte* p = buffer)
            {
                length = LlamaNative.llama_detokenize(vocab, t, tokens.Length, p, buffer.Length, removeSpecial, unparseSpecial);
            }

            if (length >= 0)
            {
                return Encoding.UTF8.GetString(buffer, 0, length);
            }

            if (length == int.MinValue)
            {
                throw new NativeEngineException("llama.cpp", $"detokenizing {tokens.Length} tokens overflowed");
            }

            buffer = new byte[-length];
        }
    }

    /// <summary>True for tokens that end a generation (EOS, EOT, &lt;|im_end|&gt;, ...).</summary>
    public bool IsEndOfGeneration(int token)
    {
        ThrowIfDisposed();
        return IsEndOfGenerationCore(token);
    }

    internal bool IsEndOfGenerationCore(int token)
    {
        using var lease = new HandleLease(handle);
        return LlamaNative.llama_vocab_is_eog(vocab, token);
    }

    /// <summary>
    /// Formats a chat with the model's template (or <paramref name="templateOverride"/>) using llama.cpp's built-in
    /// template engine, which recognises the common templates (ChatML, Llama 2/3, Gemma, ...), not arbitrary Jinja.
    /// <paramref name="addAssistantTurn"/> ends the text with the opening of an assistant reply.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no chat template and none was given.</exception>
    /// <exception cref="NativeEngineException">llama.cpp does not recognise the template.</exception>
    public unsafe string ApplyChatTemplate(IReadOnlyList<ChatMessage> messages, bool addAssistantTurn, string? templateOverride = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ThrowIfDisposed();
        var template = templateOverride ?? ChatTemplate
            ?? throw new InvalidOperationException(
                $"model {Path} has no chat template (GGUF key tokenizer.chat_template); pass a template explicitly");

        // Native copies of every string, freed in finally; the array has at least one slot so fixed never pins an empty array.
        var strings = new List<IntPtr>((messages.Count * 2) + 1);
        var chat = new LlamaChatMessage[Math.Max(messages.Count, 1)];
        try
        {
            var tmpl = Marshal.StringToCoTaskMemUTF8(template);
            strings.Add(tmpl);
            var totalChars = template.Length;
            for (var i = 0; i < messages.Count; i++)
            {
                var message = messages[i] ?? throw new ArgumentException($"message {i} is null", nameof(messages));
                var role = Marshal.StringToCoTaskMemUTF8(message.Role);
                strings.Add(role);
                var content = Marshal.StringToCoTaskMemUTF8(message.Content);
                strings.Add(content);
                chat[i] = new LlamaChatMessage { role = (byte*)role, content = (byte*)content };
                totalChars += message.Role.Length + message.Content.Length;
            }

            // llama.h recommends twice the characters of all messages.
            var buffer = new byte[(totalChars * 2) + 256];
            while (true)
            {
                int length;
                fixed (LlamaChatMessage* c = chat)
                fixed (byte* b = buffer)
                {
                    length = LlamaNative.llama_chat_apply_template((byte*)tmpl, c, (nuint)messages.Count, addAssistantTurn, b, buffer.Length);
                }

                if (length < 0)
                {
                    throw new NativeEngineException("llama.cpp",
                        $"the chat template of {(templateOverride is null ? "model " + Path : "the override")} is not one llama.cpp's built-in template engine recognises");
                }

                if (length <= buffer.Length)
                {
                    return Encoding.UTF8.GetString(buffer, 0, length);
                }

                // The return value is the full length; grow and format again.
                buffer = new byte[length];
            }
        }
        finally
        {
            foreach (var s in strings)
            {
                Marshal.FreeCoTaskMem(s);
            }
        }
    }

    public void Dispose()
    {
        disposed = true;
        handle.Dispose();
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    public override string ToString() => $"{System.IO.Path.GetFileName(Path)} ({Description})";

    private void CheckToken(int token)
    {
        // llama.cpp indexes its token table without a range check.
        if ((uint)token >= (uint)VocabSize)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"token id outside the vocabulary of {VocabSize} tokens");
        }
    }

    private unsafe string ReadDescription()
    {
        var buffer = new byte[256];
        int length;
        fixed (byte* p = buffer)
        {
            length = LlamaNative.llama_model_desc(handle, p, (nuint)buffer.Length);
        }

        return Encoding.UTF8.GetString(buffer, 0, Math.Clamp(length, 0, buffer.Length - 1));
    }

    private unsafe string? ReadChatTemplate() => LlamaNative.ReadString(LlamaNative.llama_model_chat_template(handle, null));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static byte OnProgress(float progress, IntPtr userData)
    {
        // Returning 0 makes llama.cpp abort the load; exceptions must not unwind into native code.
        try
        {
            var state = (LoadState)GCHandle.FromIntPtr(userData).Target!;
            if (state.Token.IsCancellationRequested)
            {
                return 0;
            }

            state.Progress?.Report(progress);
            return state.Token.IsCancellationRequested ? (byte)0 : (byte)1;
        }
        catch (Exception ex)
        {
            var state = GCHandle.FromIntPtr(userData).Target as LoadState;
            state?.CallbackError = ex;
            return 0;
        }
    }

    private sealed class LoadState(IProgress<float>? progress, CancellationToken token)
    {
        public IProgress<float>? Progress { get; } = progress;

        public CancellationToken Token { get; } = token;

        public Exception? CallbackError { get; set; }
    }
}
