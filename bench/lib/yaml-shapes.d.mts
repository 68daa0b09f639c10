// Types of yaml-shapes.mjs, for the tests that use the same manifests.
export declare const SHAPES: Record<'configMap' | 'documents' | 'flowMaps' | 'longList', (bytes: number) => string>;
