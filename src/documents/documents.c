/* Documents: see documents.h. */
