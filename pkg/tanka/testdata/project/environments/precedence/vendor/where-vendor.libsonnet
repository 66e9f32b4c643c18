{ where: 'env vendor' }
