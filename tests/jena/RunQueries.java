// Runs SPARQL SELECT/ASK queries on a TDB2 database in one JVM (the tests' stand-in for one `tdb2.tdbquery` per
// query, which would cost a JVM start each) and writes each answer as SPARQL 1.1 JSON results.
// Usage: java -cp CLASSPATH RunQueries.java TDB2_FOLDER QUERY.rq OUT.srj [QUERY.rq OUT.srj ...]
// Jena API as in Jena 4.5 (Debian's libapache-jena-java): TDB2Factory, Txn, QueryExecutionFactory,
// ResultSetFormatter; TDB2 applies a query's FROM clauses to the stored named graphs (dynamic datasets).

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.jena.query.Dataset;
import org.apache.jena.query.Query;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QueryExecutionFactory;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.ResultSetFormatter;
import org.apache.jena.system.Txn;
import org.apache.jena.tdb2.TDB2Factory;

public class RunQueries {
    public static void main(String[] args) throws IOException {
        if (args.length < 3 || args.length % 2 == 0) {
            System.err.println("usage: RunQueries TDB2_FOLDER QUERY.rq OUT.srj [QUERY.rq OUT.srj ...]");
            System.exit(2);
        }
        Dataset dataset = TDB2Factory.connectDataset(args[0]);
        for (int i = 1; i < args.length; i += 2) {
            Query query = QueryFactory.create(Files.readString(Path.of(args[i])));
            String out = args[i + 1];
            Txn.executeRead(dataset, () -> {
                try (QueryExecution execution = QueryExecutionFactory.create(query, dataset);
                     OutputStream stream = new FileOutputStream(out)) {
                    if (query.isAskType()) {
                        ResultSetFormatter.outputAsJSON(stream, execution.execAsk());
                    } else {
                        ResultSetFormatter.outputAsJSON(stream, execution.execSelect());
                    }
                } catch (IOException exc) {
                    throw new UncheckedIOException(exc);
                }
            });
        }
    }
}
