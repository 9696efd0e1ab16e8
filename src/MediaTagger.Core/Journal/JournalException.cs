namespace MediaTagger.Core.Journal;

/// <summary>The journal could not be opened or written; the message names the journal and the database's reason.</summary>
public sealed class JournalException : Exception
{
    public JournalException()
    {
    }

    public JournalException(string message)
        : base(message)
    {
    }

    public JournalException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
